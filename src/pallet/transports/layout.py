"""The ``oci:`` transport: an OCI image layout directory (``oci-layout``, ``index.json``,
``blobs/sha256/…``), as skopeo's ``oci:DIR:NAME`` reads and writes it.

Blobs are copied byte for byte, so every digest survives. ``write`` adds one image under a name
(the ``org.opencontainers.image.ref.name`` annotation, replacing an entry of the same name, as
skopeo does) to a new or existing layout; ``write_index`` does the same for a multi-platform
index with all its children. ``read`` opens an entry by that name.

The reading functions here (``read_entries``, ``entry_names``) also serve oci-archive and
Docker >= 25 archives, which hold the same layout inside a tar.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pallet.errors import (
    DigestMismatch,
    ImageNotFound,
    InvalidArchive,
    InvalidArgument,
    InvalidReference,
)
from pallet.image.protocol import Image, ImageIndex, Layer
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.digest import sha256_of
from pallet.oci.manifest import Index, Manifest, canonical_json
from pallet.oci.reference import LOCALHOST, Reference
from pallet.transports._lazy import (
    ArchiveImage,
    ArchiveIndex,
    ArchiveLayer,
    BlobSource,
    DirSource,
    check_digest,
)
from pallet.transports._tarfiles import CHUNK

__all__ = [
    "CONTAINERD_NAME",
    "LAYOUT_FILE",
    "REF_NAME",
    "Blob",
    "atomic_write",
    "blob_path",
    "entry_names",
    "iter_blobs",
    "read",
    "read_entries",
    "write",
    "write_blob",
    "write_index",
]

REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"
LAYOUT_FILE = "oci-layout"
LAYOUT_BYTES = b'{"imageLayoutVersion":"1.0.0"}'

Blob = tuple[str, int, Callable[[], BinaryIO]]
"""A blob to write: digest, size, and how to open its bytes."""


def blob_path(digest: str) -> str:
    """``blobs/ALGO/HEX`` for a digest."""
    algo, _, hexpart = digest.partition(":")
    if not hexpart or "/" in digest or ".." in digest:
        raise InvalidArchive(f"invalid blob digest {digest!r}")
    return f"blobs/{algo}/{hexpart}"


# --- reading -------------------------------------------------------------------------------


def entry_names(desc: Descriptor) -> list[str]:
    """The image names an index entry carries, the way pallet loads them.

    ``io.containerd.image.name`` (Docker >= 25, containerd) is a full name and wins. Otherwise
    ``org.opencontainers.image.ref.name``: a full reference (``example.com/z:3``) is used as is;
    a short one with a tag or a path (``foo:1``, ``foo/bar``) gets ``localhost/`` as podman 4.3
    gives it on ``podman load``; a bare word (``latest``, ``v1``) is taken for a tag, not a
    name, and names nothing — podman 4.3 would call it ``localhost/latest:latest``, but Docker
    >= 25 writes exactly such bare tags next to the full containerd name.
    """
    full = desc.annotation(CONTAINERD_NAME)
    if full:
        try:
            return [str(Reference.parse(full).docker_hub())]
        except InvalidReference:
            pass
    ref_name = desc.annotation(REF_NAME)
    if not ref_name or ("/" not in ref_name and ":" not in ref_name):
        return []
    try:
        ref = Reference.parse(ref_name)
    except InvalidReference:
        return []
    return [str(ref.qualify(LOCALHOST))]


def _open_image(src: BlobSource, desc: Descriptor) -> Image:
    manifest_bytes = _read_blob(src, desc, "manifest")
    manifest = Manifest.from_bytes(manifest_bytes)
    config_bytes = _read_blob(src, manifest.config, "config")
    for layer in manifest.layers:
        if not src.exists(blob_path(layer.digest)):
            raise InvalidArchive(f"invalid {src.kind}: missing blob {layer.digest}")

    def layer_of(d: Descriptor, diff_id: str) -> Layer:
        return ArchiveLayer(d, diff_id, src, blob_path(d.digest))

    return ArchiveImage(manifest_bytes, config_bytes, layer_of, kind=src.kind)


def _read_blob(src: BlobSource, desc: Descriptor, what: str) -> bytes:
    name = blob_path(desc.digest)
    if not src.exists(name):
        raise InvalidArchive(f"invalid {src.kind}: missing {what} blob {desc.digest}")
    data = src.read(name)
    check_digest(data, desc.digest, what)
    return data


def open_entry(src: BlobSource, desc: Descriptor) -> Image | ImageIndex:
    """The image or index an index entry points at."""
    if desc.media_type in mt.INDEX_TYPES:
        index_bytes = _read_blob(src, desc, "index")
        Index.from_bytes(index_bytes)
        return ArchiveIndex(index_bytes, lambda d: _open_image(src, d))
    return _open_image(src, desc)


def read_index_json(src: BlobSource) -> Index:
    if not src.exists("index.json"):
        raise InvalidArchive(f"invalid {src.kind}: no index.json")
    try:
        return Index.from_bytes(src.read("index.json"))
    except InvalidArchive as exc:
        raise InvalidArchive(f"invalid {src.kind}: index.json: {exc}") from None


def read_entries(src: BlobSource) -> list[tuple[Descriptor, Image | ImageIndex, list[str]]]:
    """Every entry of the layout's ``index.json``, opened, with the names it carries.

    Entries naming the same digest are merged (their names joined), as one image saved under
    two tags is stored.
    """
    out: list[tuple[Descriptor, Image | ImageIndex, list[str]]] = []
    by_digest: dict[str, int] = {}
    for desc in read_index_json(src).manifests:
        names = entry_names(desc)
        if desc.digest in by_digest:
            seen = out[by_digest[desc.digest]][2]
            seen.extend(n for n in names if n not in seen)
            continue
        by_digest[desc.digest] = len(out)
        out.append((desc, open_entry(src, desc), names))
    return out


def read(directory: str | os.PathLike[str], name: str | None = None) -> Image | ImageIndex:
    """Open the entry of layout ``directory`` whose ref.name annotation is ``name``.

    With no name the layout must hold exactly one entry. Raises ImageNotFound when no entry has
    the name, InvalidArchive for a damaged layout.
    """
    src = DirSource(Path(directory), "oci layout")
    entries = read_index_json(src).manifests
    if name is None:
        if len(entries) != 1:
            raise InvalidArgument(
                f"oci layout {directory} holds {len(entries)} images: name one of them"
            )
        return open_entry(src, entries[0])
    for desc in entries:
        if desc.annotation(REF_NAME) == name:
            return open_entry(src, desc)
    raise ImageNotFound(name, f"no image named {name!r} in oci layout {directory}")


# --- writing -------------------------------------------------------------------------------


def _bytes_opener(data: bytes) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(data)


def iter_blobs(item: Image | ImageIndex) -> Iterator[Blob]:
    """Every blob of an image or index, children before parents (layers, config, manifest)."""
    if isinstance(item, Image):
        for layer in item.layers():
            d = layer.descriptor
            yield d.digest, d.size, layer.open
        cfg = item.config_bytes
        yield item.manifest.config.digest, len(cfg), _bytes_opener(cfg)
        return
    for child in item.index.manifests:
        if child.media_type in mt.INDEX_TYPES:
            raise InvalidArgument("nested image indexes are not supported")
        image = item.image(child)
        yield from iter_blobs(image)
        yield child.digest, child.size, _bytes_opener(image.manifest_bytes)


def top_descriptor(item: Image | ImageIndex) -> tuple[Descriptor, bytes]:
    """The descriptor for index.json, and the bytes it points at."""
    if isinstance(item, Image):
        data, media = item.manifest_bytes, item.manifest.media_type or mt.OCI_MANIFEST
    else:
        data, media = item.index_bytes, item.index.media_type or mt.OCI_INDEX
    return Descriptor(media, str(sha256_of(data)), len(data)), data


def name_annotations(name: str) -> tuple[tuple[str, str], ...]:
    """ref.name as given; a full reference is also written as containerd's image name."""
    if not name:
        return ()
    out = [(REF_NAME, name)]
    try:
        if not Reference.parse(name).is_short:
            out.append((CONTAINERD_NAME, name))
    except InvalidReference:
        pass
    return tuple(sorted(out))


def write_blob(path: Path, opener: Callable[[], BinaryIO], size: int, digest: str) -> None:
    """Copy a blob to ``path`` via a temp file, checking size and digest; keep an existing one."""
    if path.exists() and path.stat().st_size == size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, opener() as src:
            h, got = hashlib.sha256(), 0
            while chunk := src.read(CHUNK):
                h.update(chunk)
                got += len(chunk)
                out.write(chunk)
        if got != size:
            raise InvalidArchive(f"blob {digest}: expected {size} bytes, got {got}")
        if digest.startswith("sha256:") and "sha256:" + h.hexdigest() != digest:
            raise DigestMismatch(digest, "sha256:" + h.hexdigest())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _index_json(directory: Path) -> dict[str, Any]:
    path = directory / "index.json"
    if not path.exists():
        return {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}
    obj = json.loads(path.read_bytes())
    if not isinstance(obj, dict):
        raise InvalidArchive(f"invalid oci layout: {path} is not a JSON object")
    return obj


def write(directory: str | os.PathLike[str], image: Image | ImageIndex, name: str = "") -> None:
    """Add ``image`` to the OCI layout ``directory`` (created if missing) under ``name``.

    Blobs already present are kept; an existing entry with the same ref.name loses the name,
    as with ``skopeo copy … oci:DIR:NAME``. index.json is replaced atomically.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for digest, size, opener in iter_blobs(image):
        if digest not in seen:
            seen.add(digest)
            write_blob(root / blob_path(digest), opener, size, digest)
    desc, data = top_descriptor(image)
    write_blob(root / blob_path(desc.digest), _bytes_opener(data), desc.size, desc.digest)
    if not (root / LAYOUT_FILE).exists():
        atomic_write(root / LAYOUT_FILE, LAYOUT_BYTES)
    index = _index_json(root)
    entries = [
        e
        for e in index.get("manifests") or []
        if not name or (e.get("annotations") or {}).get(REF_NAME) != name
    ]
    entry = Descriptor(desc.media_type, desc.digest, desc.size, name_annotations(name))
    entries.append(entry.to_json())
    index["manifests"] = entries
    atomic_write(root / "index.json", canonical_json(index))


def write_index(directory: str | os.PathLike[str], index: ImageIndex, name: str = "") -> None:
    """Add a multi-platform ``index`` (and every child image) to the layout under ``name``."""
    write(directory, index, name)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temp file + rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
