"""Container use cases: list, inspect, stop, kill, wait, restart, pause, rename, logs.

Creating and starting live in ``container_create``/``container_start``, removing in
``container_remove``; this module re-exports them so callers have one place to look.
"""

from __future__ import annotations

import os
import signal as _signal
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pallet.engine.container_attach import attach_streams
from pallet.engine.container_create import create_container
from pallet.engine.container_list import ContainerView, list_containers
from pallet.engine.container_records import (
    ContainerRecord,
    CreateOptions,
    MountSpec,
    check_name,
    container_dir,
    containers_transaction,
    resolve_container,
)
from pallet.engine.container_remove import prune_containers, remove_container
from pallet.engine.container_start import runtime_for, start_container
from pallet.engine.container_state import PAUSED_MARK, State, read_state
from pallet.engine.context import Engine
from pallet.errors import Conflict, InvalidArgument

__all__ = [
    "ContainerRecord",
    "ContainerView",
    "CreateOptions",
    "MountSpec",
    "attach_streams",
    "create_container",
    "inspect_container",
    "kill_container",
    "list_containers",
    "logs",
    "parse_signal",
    "pause_container",
    "prune_containers",
    "remove_container",
    "rename_container",
    "resolve_container",
    "restart_container",
    "start_existing",
    "stop_container",
    "unpause_container",
    "wait_container",
]


def parse_signal(sig: str | int) -> int:
    """``TERM``, ``SIGTERM``, ``15`` → 15."""
    if isinstance(sig, int):
        return sig
    text = sig.strip().upper()
    if text.isdigit():
        return int(text)
    name = text if text.startswith("SIG") else "SIG" + text
    try:
        return int(_signal.Signals[name])
    except KeyError:
        raise InvalidArgument(f"invalid signal: {sig}") from None


def _stop_signal(engine: Engine, rec: ContainerRecord) -> int:
    if rec.options.stop_signal:
        return parse_signal(rec.options.stop_signal)
    image = engine.store.images.get(rec.image_id)
    if image is not None:
        sig = engine.store.image(image).config.config.stop_signal
        if sig:
            return parse_signal(sig)
    return int(_signal.SIGTERM)


def _wait_exit(engine: Engine, rec: ContainerRecord, timeout: float | None) -> State:
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.005
    while True:
        state = read_state(engine, rec)
        if not state.running and not (
            state.status == "exited"
            and state.monitor_alive
            and rec.options.restart not in ("", "no")
        ):
            return state
        if deadline is not None and time.monotonic() > deadline:
            return state
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def stop_container(engine: Engine, name: str, *, timeout: int | None = None) -> ContainerRecord:
    """Send the stop signal, wait ``timeout`` seconds (default 10), then SIGKILL."""
    from pallet.runtime.monitor.files import request_stop

    rec = resolve_container(engine, name)
    state = read_state(engine, rec)
    if not state.running:
        return rec
    request_stop(str(container_dir(engine, rec.id)))
    runtime = runtime_for(engine)
    if state.status == "paused":
        unpause_container(engine, rec.id)
    wait = timeout if timeout is not None else (rec.options.stop_timeout or 10)
    try:
        runtime.kill(rec.id, _stop_signal(engine, rec))
    except Exception:  # exited meanwhile
        pass
    if _wait_exit(engine, rec, wait).running:
        try:
            runtime.kill(rec.id, "KILL", all=True)
        except Exception:
            pass
        _wait_exit(engine, rec, 10)
    return rec


def kill_container(engine: Engine, name: str, sig: str = "KILL") -> ContainerRecord:
    """Send a signal to the container's main process; it must be running."""
    rec = resolve_container(engine, name)
    num = parse_signal(sig)
    state = read_state(engine, rec)
    if not state.running:
        raise Conflict(f"container {rec.name} is not running")
    if num in (int(_signal.SIGKILL), int(_signal.SIGTERM)):
        from pallet.runtime.monitor.files import request_stop

        request_stop(str(container_dir(engine, rec.id)))
    runtime_for(engine).kill(rec.id, num)
    return rec


def wait_container(engine: Engine, name: str, *, timeout: float | None = None) -> int:
    """Block until the container stops; return its exit code."""
    rec = resolve_container(engine, name)
    state = _wait_exit(engine, rec, timeout)
    return state.exit_code


def start_existing(engine: Engine, name: str, *, attach: bool = False) -> ContainerRecord:
    """``start``: run a created or stopped container again (a running one is left alone)."""
    rec = resolve_container(engine, name)
    state = read_state(engine, rec)
    if state.running:
        return rec
    if state.status == "dead":
        raise Conflict(f"container {rec.name} is in a dead state: remove it with rm -f")
    start_container(engine, rec, attach=attach)
    return rec


def restart_container(engine: Engine, name: str, *, timeout: int | None = None) -> None:
    rec = stop_container(engine, name, timeout=timeout)
    from pallet.runtime.monitor.files import monitor_alive

    deadline = time.monotonic() + 10
    while monitor_alive(str(container_dir(engine, rec.id))) and time.monotonic() < deadline:
        time.sleep(0.01)
    start_container(engine, rec)


def pause_container(engine: Engine, name: str) -> ContainerRecord:
    rec = resolve_container(engine, name)
    if read_state(engine, rec).status != "running":
        raise Conflict(f"container {rec.name} is not running")
    runtime_for(engine).pause(rec.id)
    (container_dir(engine, rec.id) / PAUSED_MARK).touch()
    return rec


def unpause_container(engine: Engine, name: str) -> ContainerRecord:
    rec = resolve_container(engine, name)
    if read_state(engine, rec).status != "paused":
        raise Conflict(f"container {rec.name} is not paused")
    runtime_for(engine).resume(rec.id)
    (container_dir(engine, rec.id) / PAUSED_MARK).unlink(missing_ok=True)
    return rec


def rename_container(engine: Engine, name: str, new: str) -> None:
    check_name(new)
    with containers_transaction(engine) as records:
        rec = resolve_container(engine, name, records)
        if any(r.name == new for r in records.values()):
            raise Conflict(f'the container name "{new}" is already in use')
        records[rec.id] = replace(rec, name=new, options=replace(rec.options, name=new))


def logs(
    engine: Engine,
    name: str,
    *,
    since: str | None = None,
    until: str | None = None,
    tail: int | None = None,
    follow: bool = False,
    timestamps: bool = False,
) -> Iterator[tuple[str, bytes]]:
    """``(stream, line)`` pairs from the container's log."""
    from pallet.runtime.logs import read

    rec = resolve_container(engine, name)
    path = str(container_dir(engine, rec.id) / "ctr.log")
    return read(
        path,
        since=since,
        until=until,
        tail=tail,
        follow=follow,
        timestamps=timestamps,
        alive=lambda: read_state(engine, rec).running,
    )


def inspect_container(engine: Engine, name: str) -> dict[str, Any]:
    """docker's ``inspect`` shape for a container."""
    rec = resolve_container(engine, name)
    st = read_state(engine, rec)
    o = rec.options
    cdir = container_dir(engine, rec.id)
    image = engine.store.images.get(rec.image_id)
    cfg = engine.store.image(image).config.config if image else None
    env = list(cfg.env if cfg else ()) + list(o.env)
    return {
        "Id": rec.id,
        "Created": rec.created,
        "Path": rec.path,
        "Args": list(rec.args),
        "State": {
            "Status": st.status,
            "Running": st.status in ("running", "paused"),
            "Paused": st.status == "paused",
            "Restarting": st.status == "restarting",
            "OOMKilled": st.oom_killed,
            "Dead": st.status == "dead",
            "Pid": st.pid,
            "ExitCode": st.exit_code,
            "Error": st.error,
            "StartedAt": st.started_at or "0001-01-01T00:00:00Z",
            "FinishedAt": st.finished_at or "0001-01-01T00:00:00Z",
        },
        "Image": rec.image_id,
        "ImageName": rec.image_name,
        "Name": "/" + rec.name,
        "RestartCount": st.restart_count,
        "Driver": "overlay",
        "LogPath": str(cdir / "ctr.log"),
        "ResolvConfPath": str(cdir / "resolv.conf"),
        "HostnamePath": str(cdir / "hostname"),
        "HostsPath": str(cdir / "hosts"),
        "Mounts": [
            {
                "Type": m.type,
                "Source": m.source,
                "Destination": m.target,
                "RW": not m.read_only,
                "Mode": ",".join(m.options),
            }
            for m in o.mounts
        ],
        "HostConfig": {
            "AutoRemove": o.auto_remove,
            "NetworkMode": o.network or "host",
            "RestartPolicy": {
                "Name": o.restart.partition(":")[0] or "no",
                "MaximumRetryCount": int(o.restart.partition(":")[2] or 0),
            },
            "Privileged": o.privileged,
            "ReadonlyRootfs": o.read_only,
            "CapAdd": list(o.cap_add),
            "CapDrop": list(o.cap_drop),
            "SecurityOpt": list(o.security_opt),
            "Memory": o.memory,
            "NanoCpus": int(o.cpus * 1e9),
            "PidsLimit": o.pids_limit,
            "Init": o.init,
            "PortBindings": {},
            "Binds": [f"{m.source}:{m.target}" for m in o.mounts if m.type == "bind"],
        },
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "UpperDir": str(cdir / "upper"),
                "WorkDir": str(cdir / "work"),
                "MergedDir": str(cdir / "merged"),
            },
        },
        "Config": {
            "Hostname": o.hostname or rec.id[:12],
            "User": o.user or (cfg.user if cfg else ""),
            "Tty": o.tty,
            "OpenStdin": o.interactive,
            "AttachStdin": o.interactive,
            "Env": env,
            "Cmd": list(o.command) if o.command else (list(cfg.cmd or ()) if cfg else []),
            "Image": rec.image_name,
            "WorkingDir": o.workdir or (cfg.working_dir if cfg else ""),
            "Entrypoint": list(o.entrypoint)
            if o.entrypoint is not None
            else (list(cfg.entrypoint) if cfg and cfg.entrypoint else None),
            "Labels": dict(o.labels),
            "StopSignal": o.stop_signal
            or (cfg.stop_signal if cfg and cfg.stop_signal else "SIGTERM"),
            "StopTimeout": o.stop_timeout if o.stop_timeout is not None else 10,
        },
        "NetworkSettings": {"Networks": {o.network or "host": {}}, "Ports": {}},
    }


def container_pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
