"""``/containers/create``, ``/containers/json``, ``/containers/{id}/json``, remove, prune,
top and stats. Docker's create body is translated to the engine's ``CreateOptions`` in
:mod:`pallet.api.create_body`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import epoch, familiar, label_match, parse_filters, status_text

if TYPE_CHECKING:
    from pallet.api.service import Service
    from pallet.engine.containers import ContainerView
    from pallet.engine.context import Engine


@route("POST", "/containers/create")
def create(req: Request, resp: Response, svc: Service) -> None:
    from pallet.api.create_body import create_options
    from pallet.engine.container_create import create_container

    body = req.json(default=None)
    if not isinstance(body, dict):
        raise HTTPError(400, "config cannot be empty in order to create a container")
    opts = create_options(body, name=req.arg("name"), platform=req.arg("platform"))
    rec = create_container(svc.engine(), opts)
    svc.emit("container", "create", rec.id, name=rec.name, image=opts.image)
    resp.json({"Id": rec.id, "Warnings": []}, 201)


def _matches(view: ContainerView, filters: dict[str, list[str]]) -> bool:
    rec, st = view.record, view.state
    for key, values in filters.items():
        if key == "id" and not any(rec.id.startswith(v) for v in values):
            return False
        if key == "name" and not any(v.lstrip("/") in rec.name for v in values):
            return False
        if key == "status" and st.status not in values:
            return False
        if key == "label" and not label_match(dict(rec.options.labels), values):
            return False
        if key == "exited" and (st.status != "exited" or str(st.exit_code) not in values):
            return False
        if key == "ancestor" and not any(
            v in (rec.image_name, familiar(rec.image_name), rec.image_id)
            or rec.image_id.removeprefix("sha256:").startswith(v)
            for v in values
        ):
            return False
    return True


def _command(view: ContainerView) -> str:
    rec = view.record
    return " ".join([rec.path, *rec.args]).strip()


def container_summaries(
    engine: Engine, *, all_: bool, filters: dict[str, list[str]], size: bool = False
) -> list[dict[str, Any]]:
    """``GET /containers/json`` rows, newest first."""
    from pallet.engine.containers import list_containers

    rows = []
    for view in list_containers(engine, all_=all_ or bool(filters.get("status"))):
        if not _matches(view, filters):
            continue
        rec, st, o = view.record, view.state, view.record.options
        network = o.network or "host"
        rows.append(
            {
                "Id": rec.id,
                "Names": ["/" + rec.name],
                "Image": familiar(rec.image_name),
                "ImageID": rec.image_id,
                "Command": _command(view),
                "Created": epoch(rec.created),
                "Ports": [],
                "Labels": dict(o.labels),
                "State": st.status,
                "Status": status_text(st.status, st.exit_code, st.started_at, st.finished_at),
                "HostConfig": {"NetworkMode": network},
                "NetworkSettings": {"Networks": {network: _endpoint(network)}},
                "Mounts": [_mount_shape(m) for m in o.mounts],
                **({"SizeRw": 0, "SizeRootFs": 0} if size else {}),
            }
        )
    return rows


def _endpoint(network: str) -> dict[str, Any]:
    return {
        "NetworkID": network,
        "EndpointID": "",
        "Gateway": "",
        "IPAddress": "",
        "MacAddress": "",
    }


def _mount_shape(m: Any) -> dict[str, Any]:
    out = {
        "Type": m.type,
        "Source": m.source,
        "Destination": m.target,
        "Mode": ",".join(m.options),
        "RW": not m.read_only,
        "Propagation": "rprivate" if m.type == "bind" else "",
    }
    if m.type == "volume":
        out["Name"] = m.source
        out["Driver"] = "local"
    return out


@route("GET", "/containers/json")
def list_(req: Request, resp: Response, svc: Service) -> None:
    filters = parse_filters(req.json_arg("filters"))
    limit = req.int_arg("limit", -1) or -1
    all_ = req.flag("all") or limit > 0
    rows = container_summaries(svc.engine(), all_=all_, filters=filters, size=req.flag("size"))
    resp.json(rows[:limit] if limit > 0 else rows)


def inspect_shape(engine: Engine, name: str) -> dict[str, Any]:
    """Docker's ``container inspect`` shape, from the engine's."""
    from pallet.engine.containers import inspect_container, resolve_container

    rec = resolve_container(engine, name)
    data = inspect_container(engine, rec.id)
    o = rec.options
    data["Image"] = rec.image_id
    data["Config"]["Image"] = familiar(rec.image_name)
    data["Config"].setdefault("AttachStdout", not o.interactive)
    data["Config"].setdefault("AttachStderr", not o.interactive)
    data["Config"]["StdinOnce"] = False
    data["Config"]["OpenStdin"] = o.interactive
    data["Platform"] = "linux"
    data["Mounts"] = [_mount_shape(m) for m in o.mounts]
    host = data["HostConfig"]
    host.setdefault("LogConfig", {"Type": "json-file", "Config": {}})
    host["Tmpfs"] = {m.target: ",".join(m.options) for m in o.mounts if m.type == "tmpfs"}
    host["Ulimits"] = [_ulimit_shape(u) for u in o.ulimits]
    host["Runtime"] = engine.runtime_name or "runc"
    host["ConsoleSize"] = [0, 0]
    network = o.network or "host"
    data["NetworkSettings"] = {
        "Bridge": "",
        "SandboxID": "",
        "Ports": {},
        "IPAddress": "",
        "Gateway": "",
        "MacAddress": "",
        "Networks": {network: _endpoint(network)},
    }
    data["RestartCount"] = data.get("RestartCount", 0)
    data["State"].setdefault("OOMKilled", False)
    return data


def _ulimit_shape(text: str) -> dict[str, Any]:
    name, _, val = text.partition("=")
    soft, _, hard = val.partition(":")
    try:
        s = int(soft)
        return {"Name": name, "Soft": s, "Hard": int(hard) if hard else s}
    except ValueError:
        return {"Name": name, "Soft": -1, "Hard": -1}


@route("GET", "/containers/{id}/json")
def inspect(req: Request, resp: Response, svc: Service) -> None:
    resp.json(inspect_shape(svc.engine(), req.params["id"]))


@route("DELETE", "/containers/{id}")
def remove(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import remove_container

    rec = remove_container(
        svc.engine(), req.params["id"], force=req.flag("force"), volumes=req.flag("v")
    )
    svc.emit("container", "destroy", rec.id, name=rec.name, image=familiar(rec.image_name))
    resp.send(204)


@route("POST", "/containers/prune")
def prune(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.containers import prune_containers

    removed = prune_containers(svc.engine())
    resp.json({"ContainersDeleted": removed or None, "SpaceReclaimed": 0})


@route("GET", "/containers/{id}/top")
def top(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_top import top as engine_top

    args = req.arg("ps_args").split() or None
    titles, rows = engine_top(svc.engine(), req.params["id"], args)
    resp.json({"Titles": list(titles), "Processes": [list(r) for r in rows]})


def _stats_shape(s: Any, online: int) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    usage = {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0}
    cpu: dict[str, Any] = {
        "cpu_usage": usage,
        "system_cpu_usage": 0,
        "online_cpus": online,
        "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
    }
    # Docker's clients compute CPU % from two samples; give them ones that yield ours.
    total = 10**9
    used = int(s.cpu_percent / 100.0 / online * total)
    cpu_now = {**cpu, "cpu_usage": {**usage, "total_usage": used}}
    cpu_now["system_cpu_usage"] = total
    return {
        "read": now,
        "preread": now,
        "id": s.id,
        "name": "/" + s.name,
        "pids_stats": {"current": s.pids},
        "cpu_stats": cpu_now,
        "precpu_stats": cpu,
        "memory_stats": {"usage": s.mem_usage, "limit": s.mem_limit, "stats": {}},
        "blkio_stats": {
            "io_service_bytes_recursive": [
                {"major": 0, "minor": 0, "op": "read", "value": s.block_read},
                {"major": 0, "minor": 0, "op": "write", "value": s.block_write},
            ]
        },
        "networks": {"eth0": {"rx_bytes": s.net_rx, "tx_bytes": s.net_tx}},
    }


@route("GET", "/containers/{id}/stats")
def stats(req: Request, resp: Response, svc: Service) -> None:
    import os

    from pallet.engine.container_top import container_stats

    engine = svc.engine()
    online = os.cpu_count() or 1
    name = req.params["id"]
    if not req.flag("stream", True) or req.flag("one-shot"):
        resp.json(_stats_shape(container_stats(engine, name, interval=0.1), online))
        return
    resp.stream(200, "application/json")
    while True:
        try:
            sample = container_stats(engine, name, interval=1.0)
        except Exception:
            break
        resp.write_json(_stats_shape(sample, online))
    resp.end()
