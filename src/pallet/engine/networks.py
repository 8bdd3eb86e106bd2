"""The networks pallet has, in Docker's inspect shape: ``host`` and ``none`` (and ``bridge``,
the name Docker's clients use by default, which pallet runs on the host's network)."""

from __future__ import annotations

from typing import Any

__all__ = ["DRIVERS", "network_attrs"]

DRIVERS = {"bridge": "host", "host": "host", "none": "null"}


def network_attrs(
    name: str, *, network_id: str = "", containers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Docker's ``network inspect`` object for ``name`` (a key of ``DRIVERS``)."""
    return {
        "Name": name,
        "Id": network_id or name,
        "Created": "0001-01-01T00:00:00Z",
        "Scope": "local",
        "Driver": DRIVERS[name],
        "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": []},
        "Internal": False,
        "Attachable": False,
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": containers or {},
        "Options": {},
        "Labels": {},
    }
