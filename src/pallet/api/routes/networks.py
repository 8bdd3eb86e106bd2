"""``/networks``: the networks pallet has — ``host`` and ``none``, and ``bridge``, which is
what Docker's clients name by default and which pallet runs on the host's network."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import parse_filters
from pallet.engine.networks import DRIVERS as _DRIVERS
from pallet.engine.networks import network_attrs as _shape
from pallet.errors import NetworkNotFound

if TYPE_CHECKING:
    from pallet.api.service import Service


@route("GET", "/networks")
def list_(req: Request, resp: Response, svc: Service) -> None:
    filters = parse_filters(req.json_arg("filters"))
    names = [n for n in _DRIVERS if not filters.get("name") or n in filters["name"]]
    resp.json([_shape(n) for n in names])


@route("GET", "/networks/{id}")
def inspect(req: Request, resp: Response, svc: Service) -> None:
    name = req.params["id"]
    if name not in _DRIVERS:
        raise NetworkNotFound(name)
    resp.json(_shape(name))


@route("POST", "/networks/create")
def create(req: Request, resp: Response, svc: Service) -> None:
    raise HTTPError(501, "pallet's service cannot create networks: use host or none")


@route("DELETE", "/networks/{id}")
def remove(req: Request, resp: Response, svc: Service) -> None:
    name = req.params["id"]
    if name not in _DRIVERS:
        raise NetworkNotFound(name)
    raise HTTPError(403, f"{name} is a pre-defined network and cannot be removed")
