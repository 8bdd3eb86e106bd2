"""``pallet inspect docker://REF``: skopeo inspect, without pulling.

Only the manifest (and, unless ``--raw``, the config and the tag list) are fetched. The result
has skopeo's field names: Name, Digest, RepoTags, Created, DockerVersion, Labels,
Architecture, Variant, Os, Layers, LayersData, Env. ``raw_manifest`` and ``raw_config`` give
the exact bytes the registry holds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pallet.errors import PalletError
from pallet.oci.platform import Platform
from pallet.oci.reference import Reference

if TYPE_CHECKING:
    from pallet.transports.registry import RegistryOptions, RemoteImage, RemoteIndex

__all__ = ["inspect_remote", "raw_config", "raw_manifest"]


def _ref(name: str) -> Reference:
    ref = Reference.parse(name.removeprefix("docker://"))
    ref = ref.docker_hub() if ref.is_short else ref
    return ref if (ref.tag or ref.digest) else ref.qualify()


def _read(name: str, opts: RegistryOptions | None) -> tuple[Reference, RemoteImage | RemoteIndex]:
    from pallet.engine.pull import with_context
    from pallet.transports.registry import read

    ref = _ref(name)
    try:
        return ref, read(ref, opts)
    except PalletError as exc:
        raise with_context(exc, f"initializing source docker://{ref}") from None


def raw_manifest(name: str, opts: RegistryOptions | None = None) -> bytes:
    """The manifest or index bytes exactly as the registry serves them."""
    from pallet.transports.registry import RemoteIndex

    got = _read(name, opts)[1]
    return got.index_bytes if isinstance(got, RemoteIndex) else got.manifest_bytes


def _image(
    got: RemoteImage | RemoteIndex, platform: Platform | None, opts: RegistryOptions | None
) -> RemoteImage:
    from pallet.oci.platform import host_platform
    from pallet.transports.registry import RemoteIndex

    if isinstance(got, RemoteIndex):
        want = platform or (opts.platform if opts else None) or host_platform()
        return got.resolve(want)
    return got


def raw_config(
    name: str, opts: RegistryOptions | None = None, platform: Platform | None = None
) -> bytes:
    """The image config bytes (of the platform's image when ``name`` is an index)."""
    got = _read(name, opts)[1]
    return _image(got, platform, opts).config_bytes


def inspect_remote(
    name: str,
    opts: RegistryOptions | None = None,
    *,
    platform: Platform | None = None,
    tags: bool = True,
) -> dict[str, Any]:
    """skopeo inspect's JSON object for the image ``name`` names (``docker://`` optional)."""
    from pallet.transports.registry import list_tags

    ref, got = _read(name, opts)
    image = _image(got, platform, opts)
    cfg_obj: dict[str, Any] = json.loads(image.config_bytes)
    cfg = image.config
    inner = cfg_obj.get("config") or {}
    repo_tags: list[str] = []
    if tags:
        try:
            repo_tags = list_tags(ref, opts)
        except PalletError:
            repo_tags = []
    layers = image.manifest.layers
    out: dict[str, Any] = {
        "Name": ref.repository,
        "Digest": got.digest,
        "RepoTags": repo_tags,
        "Created": go_time(cfg.created) or None,
        "DockerVersion": str(cfg_obj.get("docker_version", "")),
        "Labels": inner.get("Labels") or None,
        "Architecture": cfg.architecture,
        "Os": cfg.os,
        "Layers": [d.digest for d in layers],
        "LayersData": [
            {
                "MIMEType": d.media_type,
                "Digest": d.digest,
                "Size": d.size,
                "Annotations": dict(d.annotations) or None,
            }
            for d in layers
        ],
        "Env": inner.get("Env") or None,
    }
    if cfg.variant:
        out["Variant"] = cfg.variant
    return out


def go_time(text: str) -> str:
    """An RFC 3339 time as Go's RFC3339Nano prints it (skopeo's output): no trailing zeros."""
    head, dot, rest = text.partition(".")
    if not dot:
        return text
    n = 0
    while n < len(rest) and rest[n].isdigit():
        n += 1
    digits, zone = rest[:n], rest[n:]
    digits = digits.rstrip("0")
    return f"{head}.{digits}{zone}" if digits else f"{head}{zone}"
