"""``client.df()`` and ``Container.stats()`` in Docker's shapes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pallet.local.client import DockerClient
    from pallet.local.models.containers import Container

__all__ = ["container_stats", "disk_usage_attrs"]


def disk_usage_attrs(client: DockerClient) -> dict[str, Any]:
    """``docker system df -v``'s API shape: Images, Containers, Volumes, LayersSize."""
    from pallet.local.models.shapes import rfc3339_to_epoch

    images = []
    for img in client.images.list():
        images.append(
            {
                "Id": img.id,
                "ParentId": "",
                "RepoTags": img.tags,
                "RepoDigests": img.attrs.get("RepoDigests") or [],
                "Created": rfc3339_to_epoch(str(img.attrs.get("Created") or "")),
                "Size": img.attrs.get("Size", 0),
                "SharedSize": -1,
                "Labels": img.labels,
                "Containers": len(client.containers.list(all=True, filters={"ancestor": img.id})),
            }
        )
    containers = [
        {
            "Id": c.id,
            "Names": ["/" + str(c.name)],
            "Image": c.attrs["Config"].get("Image", ""),
            "ImageID": c.attrs["Image"],
            "Command": " ".join([c.attrs.get("Path", ""), *c.attrs.get("Args", [])]).strip(),
            "Created": rfc3339_to_epoch(str(c.attrs.get("Created") or "")),
            "State": c.status,
            "Status": c.status,
            "Labels": c.labels,
            "Mounts": c.attrs.get("Mounts", []),
        }
        for c in client.containers.list(all=True)
    ]
    volumes = [dict(v.attrs, UsageData={"Size": -1, "RefCount": -1}) for v in client.volumes.list()]
    return {
        "LayersSize": sum(int(i["Size"]) for i in images),
        "Images": images,
        "Containers": containers,
        "Volumes": volumes,
        "BuildCache": [],
    }


def _sample(container: Container) -> dict[str, Any]:
    from pallet.engine.container_top import container_stats as engine_stats

    s = engine_stats(container._client.engine, container.id)
    return {
        "read": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "id": s.id,
        "name": "/" + s.name,
        "pids_stats": {"current": s.pids},
        "cpu_stats": {"cpu_percent": s.cpu_percent},
        "memory_stats": {"usage": s.mem_usage, "limit": s.mem_limit},
        "networks": {"eth0": {"rx_bytes": s.net_rx, "tx_bytes": s.net_tx}},
        "blkio_stats": {
            "io_service_bytes_recursive": [
                {"op": "read", "value": s.block_read},
                {"op": "write", "value": s.block_write},
            ]
        },
    }


def container_stats(container: Container, *, decode: bool | None, stream: bool) -> Any:
    """One sample (``stream=False``), else a generator of samples while the container runs
    (JSON bytes unless ``decode``)."""
    import json

    if not stream:
        return _sample(container)

    def samples() -> Iterator[Any]:
        from pallet.errors import PalletError

        while True:
            try:
                sample = _sample(container)
            except PalletError:
                return
            yield sample if decode else json.dumps(sample).encode()

    return samples()
