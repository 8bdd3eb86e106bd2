"""Removing containers: stop what runs, unmount, delete runtime state, files and record."""

from __future__ import annotations

import os
import signal
import time

from pallet.engine.container_records import (
    ContainerRecord,
    container_dir,
    load_containers,
    resolve_container,
)
from pallet.engine.container_state import read_state
from pallet.engine.context import Engine
from pallet.errors import Conflict

__all__ = [
    "forget_container",
    "kill_monitor",
    "prune_containers",
    "remove_container",
    "retire_container",
]


def retire_container(engine: Engine, cid: str) -> str:
    """Drop the record and move the directory into the store's ``tmp/`` (see
    ``records_file.retire``); return where it went, or ''."""
    from pallet.engine.records_file import retire

    return retire(str(engine.root.path), cid)


def forget_container(engine: Engine, cid: str) -> None:
    """Drop the record and the directory (the container must no longer run or be mounted)."""
    import shutil

    trash = retire_container(engine, cid)
    if trash:
        shutil.rmtree(trash, ignore_errors=True)


def kill_monitor(engine: Engine, rec: ContainerRecord) -> None:
    """Stop a container's monitor for good (after its container is dead)."""
    path = container_dir(engine, rec.id) / "monitor.pid"
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    from pallet.runtime.monitor.files import monitor_alive

    if monitor_alive(str(container_dir(engine, rec.id))):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_monitor_gone(engine: Engine, rec: ContainerRecord, timeout: float) -> bool:
    from pallet.runtime.monitor.files import monitor_alive

    cdir = str(container_dir(engine, rec.id))
    deadline = time.monotonic() + timeout
    while monitor_alive(cdir):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def remove_container(
    engine: Engine, name: str, *, force: bool = False, volumes: bool = False
) -> ContainerRecord:
    """``rm``: refuse a running container unless ``force``; then remove every trace of it."""
    from pallet.engine.container_start import cleanup_container, runtime_for
    from pallet.runtime.monitor.files import request_stop

    rec = resolve_container(engine, name)
    state = read_state(engine, rec)
    if state.running and not force:
        raise Conflict(
            f'cannot remove container "{rec.name}" as it is {state.status}: stop the container '
            "before removing or force remove"
        )
    runtime = runtime_for(engine)
    cdir = container_dir(engine, rec.id)
    if state.running or state.status == "dead" or state.monitor_alive:
        request_stop(str(cdir))
        try:
            runtime.kill(rec.id, "KILL", all=True)
        except Exception:  # not running in the runtime any more
            pass
        if state.pid:
            try:
                os.kill(state.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not _wait_monitor_gone(engine, rec, 5.0):
            kill_monitor(engine, rec)
    cleanup_container(engine, rec, runtime)
    forget_container(engine, rec.id)
    if volumes:
        from pallet.engine.volumes import remove_anonymous_volumes

        remove_anonymous_volumes(engine, rec)
    return rec


def prune_containers(engine: Engine) -> list[str]:
    """Remove every stopped (exited, created or dead) container; return their ids."""
    removed = []
    for rec in load_containers(engine).values():
        if rec.kind != "container":
            continue
        if not read_state(engine, rec).running:
            remove_container(engine, rec.id, force=True)
            removed.append(rec.id)
    return removed
