"""Docker's inspect shapes for containers and images, from the engine's own inspect output.

The engine's container inspect is already Docker's shape; we add the fields docker-py reads
(``HostConfig.LogConfig``, ``Config.AttachStdout`` ...). Image inspect is podman's shape there:
we turn it into Docker's (``Id`` with ``sha256:``, familiar ``RepoTags``, a full ``Config``).
Names are shown as Docker shows them: ``docker.io/library/busybox:latest`` and pallet's local
``localhost/busybox:latest`` both read ``busybox:latest``.
"""

from __future__ import annotations

import calendar
import time
from typing import Any

from pallet.engine.context import Engine

__all__ = ["container_attrs", "familiar", "image_attrs", "image_history", "rfc3339_to_epoch"]

_PREFIXES = ("docker.io/library/", "docker.io/", "localhost/")


def familiar(name: str) -> str:
    """``docker.io/library/busybox:latest`` → ``busybox:latest`` (Docker's display form)."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def rfc3339_to_epoch(text: str) -> int:
    """Seconds since the epoch for an RFC 3339 UTC time (0 when empty or unparsable)."""
    try:
        return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
    except (ValueError, TypeError):
        return 0


def container_attrs(engine: Engine, name: str) -> dict[str, Any]:
    """``docker inspect CONTAINER`` as the Engine API returns it."""
    from pallet.engine.containers import inspect_container

    attrs = inspect_container(engine, name)
    attrs.setdefault("Platform", "linux")
    attrs.setdefault("MountLabel", "")
    attrs.setdefault("ProcessLabel", "")
    attrs.setdefault("AppArmorProfile", "")
    attrs.setdefault("ExecIDs", None)
    host = attrs.setdefault("HostConfig", {})
    host.setdefault("LogConfig", {"Type": "json-file", "Config": {}})
    host.setdefault(
        "Tmpfs",
        {m["Destination"]: m["Mode"] for m in attrs["Mounts"] if m["Type"] == "tmpfs"} or None,
    )
    config = attrs.setdefault("Config", {})
    config.setdefault("Domainname", "")
    config.setdefault("AttachStdout", True)
    config.setdefault("AttachStderr", True)
    config.setdefault("StdinOnce", False)
    config.setdefault("ExposedPorts", None)
    config.setdefault("Volumes", None)
    config.setdefault("OnBuild", None)
    config["Image"] = familiar(str(config.get("Image") or ""))
    return attrs


def _docker_config(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "Hostname": "",
        "Domainname": "",
        "User": raw.get("User", ""),
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "ExposedPorts": raw.get("ExposedPorts"),
        "Tty": False,
        "OpenStdin": False,
        "StdinOnce": False,
        "Env": raw.get("Env"),
        "Cmd": raw.get("Cmd"),
        "Healthcheck": raw.get("Healthcheck"),
        "ArgsEscaped": raw.get("ArgsEscaped"),
        "Image": "",
        "Volumes": raw.get("Volumes"),
        "WorkingDir": raw.get("WorkingDir", ""),
        "Entrypoint": raw.get("Entrypoint"),
        "OnBuild": raw.get("OnBuild"),
        "Labels": raw.get("Labels"),
        "StopSignal": raw.get("StopSignal"),
        "Shell": raw.get("Shell"),
    }


def image_attrs(engine: Engine, name: str) -> dict[str, Any]:
    """``docker image inspect IMAGE`` as the Engine API returns it."""
    from pallet.engine.images import inspect_image

    raw = inspect_image(engine, name)
    tags = [familiar(n) for n in raw["RepoTags"]]
    digests = [familiar(d) for d in raw["RepoDigests"]]
    config = {
        k: v
        for k, v in _docker_config(raw["Config"]).items()
        if v is not None or k in ("Env", "Cmd", "Entrypoint", "Labels", "Volumes", "OnBuild")
    }
    return {
        "Id": "sha256:" + raw["Id"],
        "RepoTags": tags,
        "RepoDigests": digests,
        "Parent": raw.get("Parent", ""),
        "Comment": raw.get("Comment", ""),
        "Created": raw.get("Created", ""),
        "DockerVersion": "",
        "Author": raw.get("Author", ""),
        "Config": config,
        "Architecture": raw.get("Architecture", ""),
        "Variant": raw.get("Variant"),
        "Os": raw.get("Os", "linux"),
        "Size": raw.get("Size", 0),
        "VirtualSize": raw.get("VirtualSize", 0),
        "GraphDriver": raw.get("GraphDriver", {}),
        "RootFS": raw.get("RootFS", {"Type": "layers", "Layers": []}),
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }


def image_history(engine: Engine, name: str) -> list[dict[str, Any]]:
    """``docker history``'s API shape: newest first, the top entry carrying the image id."""
    from pallet.engine.images import get_image, inspect_image

    raw = inspect_image(engine, name)
    img = get_image(engine, name)
    sizes = [d.size for d in img.manifest.layers]
    rows = []
    layer = 0
    for entry in raw.get("History") or []:
        size = 0
        if not entry.get("empty_layer"):
            size = sizes[layer] if layer < len(sizes) else 0
            layer += 1
        rows.append(
            {
                "Id": "<missing>",
                "Created": rfc3339_to_epoch(str(entry.get("created") or "")),
                "CreatedBy": entry.get("created_by", ""),
                "Tags": None,
                "Size": size,
                "Comment": entry.get("comment", ""),
            }
        )
    rows.reverse()
    if rows:
        rows[0]["Id"] = "sha256:" + raw["Id"]
        rows[0]["Tags"] = [familiar(n) for n in raw["RepoTags"]] or None
    return rows
