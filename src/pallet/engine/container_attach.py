"""Streaming a container's stdio to the caller's file descriptors, through its monitor."""

from __future__ import annotations

from pallet.engine.container_records import ContainerRecord, container_dir, resolve_container
from pallet.engine.context import Engine

__all__ = ["attach_streams", "preload"]


def preload() -> None:
    """Import the attach client ahead of time (``run`` calls it before the container starts,
    so that connecting right after the start costs no import)."""
    import pallet.runtime.attach  # noqa: F401


def attach_streams(
    engine: Engine,
    container: ContainerRecord | str,
    *,
    stdin: int | None = None,
    stdout: int = 1,
    stderr: int = 2,
    tty: bool = False,
) -> int | None:
    """Stream the container's stdio to these fds until it exits (its exit code) or the user
    detaches (None). ``container``: its record, or a name or id to look up."""
    from pallet.runtime.attach import connect

    rec = (
        container
        if isinstance(container, ContainerRecord)
        else resolve_container(engine, container)
    )
    with connect(str(container_dir(engine, rec.id))) as client:
        return client.pump(stdin=stdin, stdout=stdout, stderr=stderr, tty=tty)
