"""Listing containers with their state: what ``ps`` needs, and nothing heavier."""

from __future__ import annotations

from dataclasses import dataclass

from pallet.engine.container_records import ContainerRecord, load_containers
from pallet.engine.container_state import State, read_state
from pallet.engine.context import Engine

__all__ = ["ContainerView", "list_containers"]


@dataclass(frozen=True, slots=True)
class ContainerView:
    """A container and its current state."""

    record: ContainerRecord
    state: State


def list_containers(engine: Engine, *, all_: bool = False) -> list[ContainerView]:
    """Containers, newest first; only running ones unless ``all_``."""
    views = [
        ContainerView(r, read_state(engine, r))
        for r in load_containers(engine).values()
        if r.kind == "container"
    ]
    views.sort(key=lambda v: v.record.created, reverse=True)
    return [v for v in views if all_ or v.state.running]
