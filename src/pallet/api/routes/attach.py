"""``/containers/{id}/attach`` (hijacked), ``/containers/{id}/logs``, ``/containers/{id}/resize``.

An attach to a container that has not started yet (``docker run`` attaches, then starts)
waits for its monitor; ``start`` sees the waiting session and asks the monitor to keep the
container's first output for it.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import parse_time
from pallet.api.streams import mux, pump_attach, resize_monitor
from pallet.errors import ContainerNotFound

if TYPE_CHECKING:
    from pallet.api.service import Service
    from pallet.engine.context import Engine


def wants_upgrade(req: Request) -> bool:
    """Whether the client asked for ``Connection: Upgrade`` / ``Upgrade: tcp``."""
    return "upgrade" in req.headers.get("connection", "").lower()


def _monitor_ready(engine: Engine, cid: str) -> bool | None:
    """True once the container's monitor listens; None when the container is gone."""
    from pallet.engine.container_records import container_dir, resolve_container
    from pallet.runtime.monitor.files import ATTACH, monitor_alive

    try:
        resolve_container(engine, cid)
    except ContainerNotFound:
        return None
    cdir = str(container_dir(engine, cid))
    return monitor_alive(cdir) and os.path.exists(os.path.join(cdir, ATTACH))


@route("POST", "/containers/{id}/attach")
def attach(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_records import container_dir, resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    cid, tty = rec.id, rec.options.tty
    stdin, stdout, stderr = req.flag("stdin"), req.flag("stdout"), req.flag("stderr")
    kind = "raw-stream" if tty else "multiplexed-stream"
    waiting = not _monitor_ready(engine, cid)
    if waiting:
        svc.attach_waiting(cid, 1)
    done = [False]

    def connected() -> None:
        if waiting and not done[0]:
            done[0] = True
            svc.attach_waiting(cid, -1)
        svc.attach_connected(cid)

    try:
        resp.hijack(wants_upgrade(req), f"application/vnd.docker.{kind}")
        if req.flag("logs"):
            _write_logs(resp, engine, cid, tty, stdout, stderr)
        if not req.flag("stream"):
            return
        delay = 0.002
        while True:
            ready = _monitor_ready(engine, cid)
            if ready is None:
                return
            if ready:
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        pump_attach(
            resp.conn,
            svc.exits,
            cid,
            str(container_dir(engine, cid)),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            tty=tty,
            on_connected=connected,
        )
    finally:
        connected()


def _write_logs(
    resp: Response, engine: Engine, cid: str, tty: bool, stdout: bool, stderr: bool
) -> None:
    from pallet.engine.containers import logs

    for stream, line in logs(engine, cid):
        if (stream == "stdout" and stdout) or (stream == "stderr" and stderr):
            resp.conn.send(line if tty else mux(1 if stream == "stdout" else 2, line))


@route("GET", "/containers/{id}/logs")
def container_logs(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import logs, resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    stdout, stderr = req.flag("stdout"), req.flag("stderr")
    if not stdout and not stderr:
        raise HTTPError(400, "Bad parameters: you must choose at least one stream")
    tail_arg = req.arg("tail", "all")
    tail: int | None = None
    if tail_arg not in ("all", ""):
        try:
            tail = int(tail_arg)
        except ValueError:
            raise HTTPError(400, f"invalid value for tail: {tail_arg!r}") from None
        if tail < 0:
            tail = None
    since = parse_time(req.arg("since"))
    until = parse_time(req.arg("until"))
    lines = logs(
        engine,
        rec.id,
        since=str(since) if since else None,
        until=str(until) if until else None,
        tail=tail,
        follow=req.flag("follow"),
        timestamps=req.flag("timestamps"),
    )
    tty = rec.options.tty
    resp.stream(
        200,
        "application/vnd.docker.raw-stream" if tty else "application/vnd.docker.multiplexed-stream",
    )
    for stream, line in lines:
        if stream == "stdout" and stdout:
            resp.write(line if tty else mux(1, line))
        elif stream == "stderr" and stderr:
            resp.write(line if tty else mux(2, line))
    resp.end()


@route("POST", "/containers/{id}/resize")
def resize(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_records import container_dir, resolve_container
    from pallet.errors import RuntimeFailure

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    h, w = req.int_arg("h", 0) or 0, req.int_arg("w", 0) or 0
    if h <= 0 or w <= 0:
        raise HTTPError(400, "bad parameters: h and w must be positive")
    try:
        resize_monitor(str(container_dir(engine, rec.id)), h, w)
    except RuntimeFailure:
        raise HTTPError(409, f"container {rec.id} is not running") from None
    resp.send(200)
