"""The docker-archive transport: the tar ``docker save`` and ``podman save`` write.

Layout written (podman 4's, which docker and podman both load): ``HEX.json`` (the config, by
its digest), ``DIFFHEX.tar`` per layer as an *uncompressed* tar named by its diffID, the legacy
``V1ID/{layer.tar -> ../DIFFHEX.tar, VERSION, json}`` directories old loaders want,
``manifest.json`` (``[{Config, RepoTags, Layers}]``) and ``repositories``. Several images share
layers. The archive is streamed to ``out``; nothing but one layer at a time is staged.

A layer whose blob is gzip or zstd compressed must be written uncompressed, and the tar header
needs its size first. pallet decompresses such a blob once into an anonymous temporary file
(hashing it: the diffID is checked before a byte reaches the archive), then copies that file
in. The alternative, a first decompressing pass to count bytes and a second to write them,
costs a second decompression and — for a registry source — a second download; the temporary
file costs one layer's disk space and a page-cache copy, and measured faster here (128 MiB
gzip layer: 0.56-0.72 s against 0.85-0.88 s for two passes).

Reading accepts legacy ``docker save`` archives (``ID/layer.tar``), podman's, Docker >= 25's
(``manifest.json`` beside an OCI layout, ``blobs/sha256/…``), compressed layers inside
(go-containerregistry writes ``.tar.gz`` layers) and a gzip/zstd-compressed archive file.
docker-archives hold no manifest, so one is *synthesized*: an OCI image manifest with the config
as ``application/vnd.oci.image.config.v1+json`` and each layer as
``application/vnd.oci.image.layer.v1.tar`` (or ``+gzip``/``+zstd`` when the member is
compressed), written canonically so the same archive always gives the same manifest digest.
For a Docker >= 25 archive the real OCI manifest stored in it is used instead.

Names: RepoTags are kept, short ones read as docker does (``busybox:latest`` is
``docker.io/library/busybox:latest``, a missing tag is ``latest``). podman 4.3 differs: it
loads ``busybox:latest`` as ``localhost/busybox:latest``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO

from pallet.archive.compression import Compression, open_decompressed, sniff
from pallet.errors import DigestMismatch, InvalidArchive, InvalidReference
from pallet.image.protocol import Image, Layer
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.digest import sha256_of
from pallet.oci.manifest import Manifest
from pallet.oci.reference import Reference
from pallet.transports._lazy import ArchiveImage, ArchiveLayer, check_digest
from pallet.transports._tarfiles import CHUNK, Progress, TarSource, TarWriter, verified
from pallet.transports.layout import read_entries

__all__ = ["KIND", "layer_media_type", "normalize_repo_tag", "read", "synthesize_manifest", "write"]

KIND = "docker-archive"
_HEADS = 6


def normalize_repo_tag(tag: str) -> str | None:
    """A RepoTags entry as a full name, the way docker reads it; None if it does not parse."""
    try:
        return str(Reference.parse(tag).docker_hub())
    except InvalidReference:
        return None


def layer_media_type(head: bytes, where: str) -> str:
    """The OCI layer media type for a member starting with ``head``."""
    kind = sniff(head)
    if kind is Compression.NONE:
        return mt.OCI_LAYER
    if kind is Compression.GZIP:
        return mt.OCI_LAYER_GZIP
    if kind is Compression.ZSTD:
        return mt.OCI_LAYER_ZSTD
    raise InvalidArchive(f"invalid {KIND}: layer {where} is {kind.value}-compressed")


def synthesize_manifest(config: bytes, layers: Sequence[Descriptor]) -> bytes:
    """The canonical OCI manifest pallet gives an image read from a docker-archive."""
    cfg = Descriptor(mt.OCI_CONFIG, str(sha256_of(config)), len(config))
    return Manifest(mt.OCI_MANIFEST, cfg, tuple(layers)).to_bytes()


# --- reading -------------------------------------------------------------------------------


def parse_manifest_json(data: bytes) -> list[tuple[str, list[str], list[str]]]:
    """``manifest.json`` as (config member, RepoTags, layer members) per image."""
    try:
        items = json.loads(data)
        if not isinstance(items, list):
            raise TypeError("not a list")
        out = []
        for item in items:
            config, tags, layers = item["Config"], item.get("RepoTags") or [], item["Layers"]
            if not isinstance(config, str) or not all(isinstance(x, str) for x in layers + tags):
                raise TypeError("non-string entries")
            out.append((config, list(tags), list(layers)))
        return out
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidArchive(f"invalid {KIND}: bad manifest.json ({exc})") from None


def expected_hex(member: str) -> str | None:
    """The digest hex a member name promises (``HEX.json``, ``blobs/sha256/HEX``), if any."""
    base = member.rsplit("/", 1)[-1].removesuffix(".json")
    ok = len(base) == 64 and all(c in "0123456789abcdef" for c in base)
    return base if ok else None


def names_of(tags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        name = normalize_repo_tag(tag)
        if name and name not in out:
            out.append(name)
    return out


def _stored_manifests(src: TarSource) -> dict[str, bytes]:
    """Docker >= 25 keeps real OCI manifests beside manifest.json: config digest -> bytes."""
    if not src.exists("index.json"):
        return {}
    found: dict[str, bytes] = {}
    for _desc, item, _names in read_entries(src):
        if isinstance(item, Image):
            found[item.manifest.config.digest] = item.manifest_bytes
    return found


def read(path: str | os.PathLike[str]) -> list[tuple[Image, list[str]]]:
    """Every image in the docker-archive at ``path`` (a seekable file), with its names."""
    src = TarSource(path, KIND)
    if not src.exists("manifest.json"):
        raise InvalidArchive(f"invalid {KIND}: no manifest.json (too old, or not a docker-archive)")
    stored = _stored_manifests(src)
    out: list[tuple[Image, list[str]]] = []
    for config_name, tags, layer_names in parse_manifest_json(src.read("manifest.json")):
        out.append((_read_image(src, config_name, layer_names, stored), names_of(tags)))
    return out


def _missing(src: TarSource, member: str) -> None:
    if not src.exists(member):
        raise InvalidArchive(f"invalid {KIND}: manifest.json names missing file {member}")


def _read_image(
    src: TarSource, config_name: str, layer_names: list[str], stored: dict[str, bytes]
) -> Image:
    _missing(src, config_name)
    config = src.read(config_name)
    config_digest = str(sha256_of(config))
    want = expected_hex(config_name)
    if want is not None:
        check_digest(config, f"sha256:{want}", "config")
    for member in layer_names:
        _missing(src, member)
    manifest_bytes = stored.get(config_digest)
    if manifest_bytes is None:
        try:
            diff_ids = json.loads(config)["rootfs"]["diff_ids"]
        except (ValueError, KeyError, TypeError):
            raise InvalidArchive(f"invalid {KIND}: config {config_name} has no diff_ids") from None
        if len(diff_ids) != len(layer_names):
            raise InvalidArchive(
                f"invalid {KIND}: {len(layer_names)} layers for {len(diff_ids)} diffIDs"
            )
        layers = [_describe(src, m, str(d)) for m, d in zip(layer_names, diff_ids, strict=True)]
        manifest_bytes = synthesize_manifest(config, layers)
    in_order = iter(layer_names)  # ArchiveImage asks for the layers base first

    def layer_of(d: Descriptor, diff_id: str) -> Layer:
        return ArchiveLayer(d, diff_id, src, next(in_order))

    return ArchiveImage(manifest_bytes, config, layer_of, kind=KIND)


def _describe(src: TarSource, member: str, diff_id: str) -> Descriptor:
    media = layer_media_type(src.head(member, _HEADS), member)
    size = src.size(member)
    if media == mt.OCI_LAYER:
        digest = diff_id  # checked as the layer is read
    else:
        h = hashlib.sha256()
        with src.open(member) as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        digest = "sha256:" + h.hexdigest()
    return Descriptor(media, digest, size)


# --- writing -------------------------------------------------------------------------------


def write(
    out: BinaryIO,
    images: Sequence[tuple[Image, Sequence[str]]],
    *,
    progress: Progress | None = None,
    tmpdir: str | None = None,
) -> None:
    """Stream a docker-archive of ``images`` (each with its names) to ``out``.

    Names are written as given (``docker.io/library/busybox:latest``); ``docker load`` and
    ``podman load`` both accept full names. Compressed layers are decompressed through a
    temporary file in ``tmpdir`` (default: the system's). Raises DigestMismatch if a layer's
    uncompressed bytes are not its diffID.
    """
    tar = TarWriter(out, progress)
    entries: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    for image, names in images:
        config = image.config_bytes
        config_hex = sha256_of(config).hex
        members = [_write_layer(tar, layer, tmpdir) for layer in image.layers()]
        top = _write_legacy(tar, image, config_hex, members)
        config_member = f"{config_hex}.json"
        if config_member not in tar.written:
            tar.add_bytes(config_member, config)
        entries.append({"Config": config_member, "RepoTags": list(names), "Layers": members})
        for name in names:
            ref = Reference.parse(name)
            if top and ref.tag:
                repositories.setdefault(ref.repository, {})[ref.tag] = top
    tar.add_bytes("manifest.json", json.dumps(entries, separators=(",", ":")).encode())
    tar.add_bytes("repositories", json.dumps(repositories, separators=(",", ":")).encode())
    tar.close()


def _write_layer(tar: TarWriter, layer: Layer, tmpdir: str | None) -> str:
    diff_id = layer.diff_id
    member = f"{diff_id.removeprefix('sha256:')}.tar"
    if member in tar.written:
        return member
    with layer.open() as blob:
        head = blob.read(_HEADS)
        rest = _Prefixed(head, blob)
        if sniff(head) is Compression.NONE:
            if layer.descriptor.digest != diff_id:
                raise DigestMismatch(diff_id, layer.descriptor.digest, "layer diffID")
            checked = verified(rest, diff_id, "layer diffID")  # type: ignore[arg-type]
            tar.add_stream(member, layer.descriptor.size, checked, what=diff_id)
            return member
        with tempfile.TemporaryFile(dir=tmpdir) as tmp:
            h, size, plain = hashlib.sha256(), 0, open_decompressed(rest)  # type: ignore[arg-type]
            while chunk := plain.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                tmp.write(chunk)
            if "sha256:" + h.hexdigest() != diff_id:
                raise DigestMismatch(diff_id, "sha256:" + h.hexdigest(), "layer diffID")
            tmp.seek(0)
            tar.add_stream(member, size, tmp, what=diff_id)  # type: ignore[arg-type]
    return member


class _Prefixed:
    """Reads ``head`` and then the rest of ``stream`` (for a peeked magic number)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)

    def close(self) -> None:
        """The stream belongs to the caller."""


def _write_legacy(tar: TarWriter, image: Image, config_hex: str, members: list[str]) -> str:
    """The pre-1.10 ``ID/`` directories; returns the top layer's v1 id (``repositories``)."""
    parent = ""
    cfg: dict[str, Any] = json.loads(image.config_bytes)
    for i, member in enumerate(members):
        top = i == len(members) - 1
        seed = f"{parent} sha256:{member.removesuffix('.tar')}" + (f" {config_hex}" if top else "")
        v1 = hashlib.sha256(seed.encode()).hexdigest()
        if f"{v1}/json" not in tar.written:
            meta: dict[str, Any] = {"id": v1}
            if parent:
                meta["parent"] = parent
            if top:
                for key in ("architecture", "config", "created", "os"):
                    if key in cfg:
                        meta[key] = cfg[key]
            tar.add_symlink(f"{v1}/layer.tar", f"../{member}")
            tar.add_bytes(f"{v1}/VERSION", b"1.0")
            tar.add_bytes(f"{v1}/json", json.dumps(meta, separators=(",", ":")).encode())
        parent = v1
    return parent
