"""``/containers/{id}/start|stop|kill|restart|pause|unpause|rename|wait``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import familiar
from pallet.errors import ContainerNotFound

if TYPE_CHECKING:
    from pallet.api.service import Service
    from pallet.engine.container_records import ContainerRecord


def _watch(svc: Service, rec: ContainerRecord) -> None:
    """Record the exits of a container started here, from a thread (``wait`` reads them)."""
    from pallet.api.streams import follow_monitor
    from pallet.engine.container_records import container_dir

    cdir = str(container_dir(svc.engine(), rec.id))
    threading.Thread(
        target=follow_monitor, args=(svc.exits, rec.id, cdir), daemon=True, name="pallet-watch"
    ).start()


@route("POST", "/containers/{id}/start")
def start(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_start import start_container
    from pallet.engine.container_state import read_state
    from pallet.engine.containers import resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    state = read_state(engine, rec)
    if state.running:
        resp.send(304)
        return
    if state.status == "dead":
        raise HTTPError(409, f"container {rec.name} is in a dead state: remove it with rm -f")
    with svc.lock:
        attach = rec.id in svc.waiting_attach
    start_container(engine, rec, attach=attach)
    if not attach and rec.options.auto_remove:
        _watch(svc, rec)
    svc.emit("container", "start", rec.id, name=rec.name, image=familiar(rec.image_name))
    resp.send(204)


def _timeout(req: Request) -> int | None:
    return req.int_arg("t", None) if "t" in req.query else req.int_arg("timeout", None)


@route("POST", "/containers/{id}/stop")
def stop(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_state import read_state
    from pallet.engine.containers import resolve_container, stop_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    if not read_state(engine, rec).running:
        resp.send(304)
        return
    stop_container(engine, rec.id, timeout=_timeout(req))
    svc.emit("container", "stop", rec.id, name=rec.name)
    resp.send(204)


@route("POST", "/containers/{id}/kill")
def kill(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import kill_container

    sig = req.arg("signal") or "KILL"
    rec = kill_container(svc.engine(), req.params["id"], sig)
    svc.emit("container", "kill", rec.id, name=rec.name, signal=sig)
    resp.send(204)


@route("POST", "/containers/{id}/restart")
def restart(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import resolve_container, restart_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    restart_container(engine, rec.id, timeout=_timeout(req))
    svc.emit("container", "restart", rec.id, name=rec.name)
    resp.send(204)


@route("POST", "/containers/{id}/pause")
def pause(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import pause_container

    pause_container(svc.engine(), req.params["id"])
    resp.send(204)


@route("POST", "/containers/{id}/unpause")
def unpause(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import unpause_container

    unpause_container(svc.engine(), req.params["id"])
    resp.send(204)


@route("POST", "/containers/{id}/rename")
def rename(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import rename_container

    new = req.arg("name")
    if not new:
        raise HTTPError(400, "the new name must not be empty")
    rename_container(svc.engine(), req.params["id"], new)
    resp.send(204)


@route("POST", "/containers/{id}/wait")
def wait(req: Request, resp: Response, svc: Service) -> None:
    """Docker's conditions: ``not-running`` (default), ``next-exit``, ``removed``. The status
    line goes out at once (clients start the container after sending this request)."""
    from pallet.engine.container_state import read_state
    from pallet.engine.containers import resolve_container

    condition = req.arg("condition") or "not-running"
    if condition not in ("not-running", "next-exit", "removed"):
        raise HTTPError(400, f"invalid condition: {condition!r}")
    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    cid = rec.id
    seen = svc.exits.count(cid)
    first = read_state(engine, rec)
    resp.stream(200, "application/json")
    code: int | None = None
    watched = False
    while True:
        if svc.exits.count(cid) > seen and code is None:
            code = svc.exits.last(cid)
        try:
            state = read_state(engine, resolve_container(engine, cid))
        except ContainerNotFound:
            if code is None:
                code = svc.exits.last(cid)
            break
        fresh = bool(state.finished_at) and state.finished_at != first.finished_at
        if code is None and not state.running and (condition == "not-running" or fresh):
            code = state.exit_code
        if code is not None and condition != "removed":
            break
        with svc.lock:
            pending = cid in svc.waiting_attach
        if state.running and not watched and not pending and not svc.exits.is_watched(cid):
            _watch(svc, rec)
            watched = True
        with svc.exits.cond:
            svc.exits.cond.wait(0.05)
    resp.write_json({"StatusCode": code or 0, "Error": None})
    resp.end()
