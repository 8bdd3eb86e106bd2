"""A container's state, read from its monitor's files (no daemon, no runtime call)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pallet.engine.container_records import ContainerRecord, container_dir
from pallet.engine.context import Engine

__all__ = ["State", "read_state"]

PAUSED_MARK = "paused"


@dataclass(frozen=True, slots=True)
class State:
    """``status`` is docker's: created, running, paused, restarting, exited or dead."""

    status: str
    exit_code: int = 0
    pid: int = 0
    started_at: str = ""
    finished_at: str = ""
    restart_count: int = 0
    oom_killed: bool = False
    error: str = ""
    monitor_alive: bool = False

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")


def _json(path: str) -> dict[str, object] | None:
    from pallet.runtime.monitor.files import read_json

    return read_json(path)


def _pid_alive(pid: int) -> bool:
    from pallet.store.staging import pid_alive

    return pid_alive(pid)


def read_state(engine: Engine, rec: ContainerRecord) -> State:
    """Derive the state from ``started``, ``exit``, ``monitor.pid`` and ``paused`` files."""
    from pallet.runtime.monitor.files import monitor_alive

    cdir = str(container_dir(engine, rec.id))
    started = _json(os.path.join(cdir, "started"))
    exited = _json(os.path.join(cdir, "exit"))
    alive = monitor_alive(cdir)
    started_at = str(started.get("started_at", "")) if started else ""
    restarts = int(str(started.get("restart_count", 0))) if started else 0
    pid = int(str(started.get("pid", 0))) if started else 0
    code = int(str(exited.get("code", 0))) if exited else 0
    finished = str(exited.get("finished_at", "")) if exited else ""
    oom = bool(exited.get("oom")) if exited else False
    error = str(exited.get("error", "")) if exited else ""
    base = dict(
        exit_code=code,
        started_at=started_at,
        finished_at=finished,
        restart_count=restarts,
        oom_killed=oom,
        error=error,
        monitor_alive=alive,
    )
    if alive:
        if started and (not exited or finished < started_at):
            if os.path.exists(os.path.join(cdir, PAUSED_MARK)):
                return State("paused", pid=pid, **base)  # type: ignore[arg-type]
            return State("running", pid=pid, **base)  # type: ignore[arg-type]
        if exited and started:
            policy = rec.options.restart.partition(":")[0]
            status = "exited" if policy in ("", "no") else "restarting"
            return State(status, **base)  # type: ignore[arg-type]
        return State("created", **base)  # type: ignore[arg-type]
    if exited:
        return State("exited", **base)  # type: ignore[arg-type]
    if started:  # the monitor died while the container ran
        return State("dead", pid=pid if _pid_alive(pid) else 0, **base)  # type: ignore[arg-type]
    return State("created", **base)  # type: ignore[arg-type]
