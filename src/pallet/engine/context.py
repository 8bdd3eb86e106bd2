"""The engine's handle on one store root, shared by every use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pallet.store.root import StoreRoot
from pallet.store.store import Store

__all__ = ["Engine"]


@dataclass(slots=True)
class Engine:
    """One store root and the settings that travel with it (runtime choice)."""

    root: StoreRoot
    store: Store
    runtime_name: str | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        root: str | Path | None = None,
        runroot: str | Path | None = None,
        runtime: str | None = None,
    ) -> Engine:
        sroot = StoreRoot.at(root, runroot)
        return cls(sroot, Store(sroot), runtime)
