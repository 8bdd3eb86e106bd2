"""Networks, shaped like ``docker.models.networks``: the ``host`` and ``none`` networks.

pallet runs containers in the host's network namespace or in an empty one; those two are the
networks there are. Creating, connecting and removing networks raise InvalidArgument.
"""

from __future__ import annotations

import builtins
import hashlib
from typing import Any

from pallet.engine.networks import network_attrs
from pallet.errors import InvalidArgument, NetworkNotFound
from pallet.local.models.resource import Collection, Model

__all__ = ["Network", "NetworkCollection"]

_DRIVERS = {"host": "host", "none": "null"}


def _network_id(name: str) -> str:
    return hashlib.sha256(f"pallet-network-{name}".encode()).hexdigest()


class Network(Model):
    """A network."""

    @property
    def name(self) -> str | None:
        """The name of the network."""
        return self.attrs.get("Name")

    @property
    def containers(self) -> builtins.list[Any]:
        """The containers connected to the network (running ones)."""
        return [self._client.containers.get(cid) for cid in (self.attrs.get("Containers") or {})]

    def connect(self, container: Any, *args: Any, **kwargs: Any) -> None:
        """Not supported: a container's network is chosen when it is created."""
        raise InvalidArgument("connecting containers to networks is not supported")

    def disconnect(self, container: Any, *args: Any, **kwargs: Any) -> None:
        """Not supported: a container's network is chosen when it is created."""
        raise InvalidArgument("disconnecting containers from networks is not supported")

    def remove(self) -> None:
        """Not allowed: ``host`` and ``none`` are predefined."""
        raise InvalidArgument(f"{self.name} is a pre-defined network and cannot be removed")


class NetworkCollection(Collection[Network]):
    """The networks there are: ``host`` and ``none``."""

    model = Network

    def _attrs(self, name: str) -> dict[str, Any]:
        from pallet.engine.containers import list_containers

        members = {
            v.record.id: {
                "Name": v.record.name,
                "EndpointID": "",
                "MacAddress": "",
                "IPv4Address": "",
                "IPv6Address": "",
            }
            for v in list_containers(self._client.engine)
            if (v.record.options.network or "host") == name
        }
        return network_attrs(name, network_id=_network_id(name), containers=members)

    def create(self, name: str, *args: Any, **kwargs: Any) -> Network:
        """Not supported yet: only ``host`` and ``none`` exist."""
        raise InvalidArgument("creating networks is not supported yet: use host or none")

    def get(self, network_id: str, *args: Any, **kwargs: Any) -> Network:
        """``host`` or ``none``, by name, id or id prefix (NotFound otherwise)."""
        for name in _DRIVERS:
            if network_id == name or (
                len(network_id) >= 3 and _network_id(name).startswith(network_id)
            ):
                return self.prepare_model(self._attrs(name))
        raise NetworkNotFound(network_id)

    def list(self, *args: Any, **kwargs: Any) -> builtins.list[Network]:
        """The networks, filtered by ``names``, ``ids`` or ``filters`` as docker-py's."""
        names = kwargs.get("names")
        ids = kwargs.get("ids")
        filters = kwargs.get("filters") or {}
        out = []
        for name in _DRIVERS:
            attrs = self._attrs(name)
            if names and name not in names:
                continue
            if ids and attrs["Id"] not in ids:
                continue
            if "name" in filters and name not in filters["name"]:
                continue
            if "driver" in filters and attrs["Driver"] not in filters["driver"]:
                continue
            out.append(self.prepare_model(attrs))
        return out

    def prune(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Nothing to prune: the predefined networks stay."""
        return {"NetworksDeleted": None}
