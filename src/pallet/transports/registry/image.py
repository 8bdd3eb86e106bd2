"""The docker:// transport: read images from, and write them to, a registry.

``read`` gives a lazy Image or ImageIndex, trying registries.conf mirrors (pull only, in
order) before the primary location; ``read_image`` resolves an index to one platform;
``write`` pushes layers in parallel threads, then the config, then the manifest; ``write_index``
pushes every child of an index and then the index (``--all``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pallet.errors import DigestMismatch, RegistryError
from pallet.image.protocol import Image, ImageIndex, Layer
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, parse_manifest_or_index
from pallet.oci.platform import Platform, host_platform
from pallet.oci.reference import Reference
from pallet.transports.config.registries import (
    PullSource,
    RegistriesConf,
    load_registries_conf,
)
from pallet.transports.registry.client import RegistryClient
from pallet.transports.registry.options import Progress, RegistryOptions
from pallet.transports.registry.remote import RemoteImage, RemoteIndex
from pallet.transports.registry.upload import upload_blob

__all__ = ["client_for", "list_tags", "read", "read_image", "write", "write_index"]


def _conf(opts: RegistryOptions) -> RegistriesConf:
    if isinstance(opts.registries_conf, RegistriesConf):
        return opts.registries_conf
    return load_registries_conf(opts.registries_conf)


def _qualified(ref: Reference) -> Reference:
    return ref.docker_hub() if ref.is_short else ref.qualify(ref.domain)


def client_for(host: str, opts: RegistryOptions, insecure: bool = False) -> RegistryClient:
    """A client for ``host`` with ``insecure`` from registries.conf unless opts decide."""
    return RegistryClient(host, opts, insecure=insecure)


def _read_from(src: PullSource, opts: RegistryOptions) -> RemoteImage | RemoteIndex:
    ref = src.ref
    client = client_for(ref.domain, opts, src.insecure)
    data, media_type, digest = client.get_manifest(ref.path, ref.digest or ref.tag)
    parsed = parse_manifest_or_index(data, media_type)
    if isinstance(parsed, Index):
        return RemoteIndex(client, ref.path, data, digest, parsed)
    return RemoteImage(client, ref.path, data, digest, parsed)


def read(ref: Reference, opts: RegistryOptions | None = None) -> RemoteImage | RemoteIndex:
    """The image or index ``ref`` names (short names go to Docker Hub, as docker does)."""
    opts = opts or RegistryOptions()
    sources = _conf(opts).pull_sources(_qualified(ref))
    for src in sources[:-1]:  # mirrors: any failure falls through to the next source
        try:
            return _read_from(src, opts)
        except (RegistryError, OSError):
            continue
    return _read_from(sources[-1], opts)


def read_image(
    ref: Reference, opts: RegistryOptions | None = None, platform: Platform | None = None
) -> RemoteImage:
    """The single-platform image for ``ref``: an index is resolved to ``platform`` (default:
    ``opts.platform``, else the host's)."""
    opts = opts or RegistryOptions()
    got = read(ref, opts)
    if isinstance(got, RemoteIndex):
        return got.resolve(platform or opts.platform or host_platform())
    return got


def list_tags(ref: Reference, opts: RegistryOptions | None = None) -> list[str]:
    """All tags of ``ref``'s repository."""
    opts = opts or RegistryOptions()
    src = _conf(opts).push_target(_qualified(ref))
    return client_for(src.ref.domain, opts, src.insecure).list_tags(src.ref.path)


def _mount_sources(layer: Layer, host: str, extra: Sequence[str]) -> list[str]:
    out = list(extra)
    repo = getattr(layer, "repo", None)
    if isinstance(repo, str) and getattr(layer, "registry", None) == host and repo not in out:
        out.insert(0, repo)
    return out


def _push_blobs(
    client: RegistryClient,
    repo: str,
    image: Image,
    opts: RegistryOptions,
    progress: Progress | None,
    mount_from: Sequence[str],
) -> None:
    layers = [la for la in image.layers() if la.descriptor.media_type != mt.DOCKER_FOREIGN_LAYER]
    with ThreadPoolExecutor(max_workers=max(1, opts.max_workers)) as pool:
        futures = [
            pool.submit(
                upload_blob,
                client,
                repo,
                la.descriptor,
                la.open,
                mount_from=_mount_sources(la, client.host, mount_from),
                chunk_size=opts.chunk_size,
                progress=progress,
            )
            for la in layers
        ]
        for fut in futures:
            fut.result()
    config = image.config_bytes
    desc = image.manifest.config
    actual = f"sha256:{hashlib.sha256(config).hexdigest()}"
    if actual != desc.digest:
        raise DigestMismatch(desc.digest, actual, "config")
    upload_blob(client, repo, desc, lambda: io.BytesIO(config), progress=progress)


def _push_manifest(
    client: RegistryClient, repo: str, tag: str, data: bytes, media_type: str
) -> str:
    return client.put_manifest(repo, tag, data, media_type)


def write(
    ref: Reference,
    image: Image,
    opts: RegistryOptions | None = None,
    progress: Progress | None = None,
    *,
    mount_from: Sequence[str] = (),
) -> str:
    """Push ``image`` to ``ref``; return the manifest digest (over the exact bytes pushed)."""
    opts = opts or RegistryOptions()
    src = _conf(opts).push_target(_qualified(ref))
    dest = src.ref
    client = client_for(dest.domain, opts, src.insecure)
    try:
        _push_blobs(client, dest.path, image, opts, progress, mount_from)
        data = image.manifest_bytes
        return _push_manifest(
            client, dest.path, dest.digest or dest.tag, data, image.manifest.media_type
        )
    finally:
        client.close()


def write_index(
    ref: Reference,
    index: ImageIndex,
    opts: RegistryOptions | None = None,
    progress: Progress | None = None,
    *,
    mount_from: Sequence[str] = (),
) -> str:
    """Push every image of ``index`` (by digest), then the index itself under ``ref``."""
    opts = opts or RegistryOptions()
    src = _conf(opts).push_target(_qualified(ref))
    dest = src.ref
    client = client_for(dest.domain, opts, src.insecure)
    try:
        for desc in index.index.manifests:
            _push_child(client, dest.path, index, desc, opts, progress, mount_from)
        return _push_manifest(
            client, dest.path, dest.digest or dest.tag, index.index_bytes, index.index.media_type
        )
    finally:
        client.close()


def _push_child(
    client: RegistryClient,
    repo: str,
    index: ImageIndex,
    desc: Descriptor,
    opts: RegistryOptions,
    progress: Progress | None,
    mount_from: Sequence[str],
) -> None:
    if client.head_manifest(repo, desc.digest) is not None:
        return
    child = index.image(desc)
    data = child.manifest_bytes
    actual = f"sha256:{hashlib.sha256(data).hexdigest()}"
    if actual != desc.digest:
        raise DigestMismatch(desc.digest, actual, "manifest")
    _push_blobs(client, repo, child, opts, progress, mount_from)
    _push_manifest(client, repo, desc.digest, data, desc.media_type or child.manifest.media_type)
