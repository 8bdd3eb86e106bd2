"""``/volumes``: create, list, inspect, remove, prune."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import label_match, parse_filters

if TYPE_CHECKING:
    from pallet.api.service import Service


def volume_shape(vol: dict[str, Any]) -> dict[str, Any]:
    """The engine's volume (already Docker's field names), with Docker's defaults."""
    return {**vol, "Labels": vol.get("Labels") or {}, "Options": vol.get("Options") or {}}


@route("POST", "/volumes/create")
def create(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.volumes import create_volume

    body = req.json(default={}) or {}
    if not isinstance(body, dict):
        raise HTTPError(400, "invalid volume configuration: want an object")
    driver = body.get("Driver") or "local"
    if driver != "local":
        raise HTTPError(404, f"plugin {driver!r} not found")
    labels = body.get("Labels") or {}
    vol = create_volume(
        svc.engine(), str(body.get("Name") or ""), labels=labels, ignore_existing=True
    )
    svc.emit("volume", "create", vol["Name"])
    resp.json(volume_shape(vol), 201)


@route("GET", "/volumes")
def list_(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.volumes import list_volumes

    filters = parse_filters(req.json_arg("filters"))
    vols = [volume_shape(v) for v in list_volumes(svc.engine())]
    if "name" in filters:
        vols = [v for v in vols if any(n in v["Name"] for n in filters["name"])]
    if "label" in filters:
        vols = [v for v in vols if label_match(v["Labels"], filters["label"])]
    resp.json({"Volumes": vols, "Warnings": []})


@route("GET", "/volumes/{name}")
def inspect(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.volumes import inspect_volume

    resp.json(volume_shape(inspect_volume(svc.engine(), req.params["name"])))


@route("DELETE", "/volumes/{name}")
def remove(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.volumes import remove_volume

    remove_volume(svc.engine(), req.params["name"], force=req.flag("force"))
    svc.emit("volume", "destroy", req.params["name"])
    resp.send(204)


@route("POST", "/volumes/prune")
def prune(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.volumes import prune_volumes

    removed = prune_volumes(svc.engine())
    resp.json({"VolumesDeleted": removed or None, "SpaceReclaimed": 0})
