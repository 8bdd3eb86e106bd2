"""The ``dir:`` transport: skopeo's directory format.

``manifest.json`` holds the manifest's exact bytes, ``version`` says ``Directory Transport
Version: 1.1``, and every blob (config and layers) is a file named by its sha256 hex. A
multi-platform copy (``skopeo copy --all``) puts the index in ``manifest.json`` and each child
manifest in ``HEX.manifest.json``. Bytes are kept as they are: digests survive a round trip.
"""

from __future__ import annotations

import os
from pathlib import Path

from pallet.errors import InvalidArchive
from pallet.image.protocol import Image, ImageIndex, Layer
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest, parse_manifest_or_index
from pallet.transports._lazy import (
    ArchiveImage,
    ArchiveIndex,
    ArchiveLayer,
    DirSource,
    check_digest,
)
from pallet.transports.layout import atomic_write, iter_blobs, write_blob

__all__ = ["KIND", "VERSION", "read", "write"]

KIND = "dir"
VERSION = b"Directory Transport Version: 1.1\n"


def _blob_name(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or "/" in hexpart:
        raise InvalidArchive(f"invalid {KIND}: unsupported digest {digest!r}")
    return hexpart


def read(directory: str | os.PathLike[str]) -> Image | ImageIndex:
    """The image (or, after ``skopeo copy --all``, the index) in ``directory``."""
    src = DirSource(Path(directory), KIND)
    if not src.exists("manifest.json"):
        raise InvalidArchive(f"invalid {KIND}: no manifest.json in {directory}")
    data = src.read("manifest.json")
    parsed = parse_manifest_or_index(data)
    if isinstance(parsed, Index):

        def child(desc: Descriptor) -> Image:
            name = f"{_blob_name(desc.digest)}.manifest.json"
            child_bytes = src.read(name)
            check_digest(child_bytes, desc.digest, "manifest")
            return _image(src, child_bytes, Manifest.from_bytes(child_bytes))

        return ArchiveIndex(data, child)
    return _image(src, data, parsed)


def _image(src: DirSource, data: bytes, manifest: Manifest) -> Image:
    config_name = _blob_name(manifest.config.digest)
    if not src.exists(config_name):
        raise InvalidArchive(f"invalid {KIND}: missing config blob {manifest.config.digest}")
    config = src.read(config_name)
    check_digest(config, manifest.config.digest, "config")
    for layer in manifest.layers:
        if not src.exists(_blob_name(layer.digest)):
            raise InvalidArchive(f"invalid {KIND}: missing layer blob {layer.digest}")

    def layer_of(d: Descriptor, diff_id: str) -> Layer:
        return ArchiveLayer(d, diff_id, src, _blob_name(d.digest))

    return ArchiveImage(data, config, layer_of, kind=KIND)


def write(directory: str | os.PathLike[str], image: Image | ImageIndex) -> None:
    """Write ``image`` (or an index and its children) into ``directory`` as skopeo does."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    children: dict[str, bytes] = {}
    if isinstance(image, Image):
        top = image.manifest_bytes
    else:
        top = image.index_bytes
        for desc in image.index.manifests:
            children[desc.digest] = image.image(desc).manifest_bytes
    for digest, size, opener in iter_blobs(image):
        if digest in seen:
            continue
        seen.add(digest)
        name = _blob_name(digest)
        if digest in children:  # a child manifest of an index
            name += ".manifest.json"
        write_blob(root / name, opener, size, digest)
    atomic_write(root / "version", VERSION)
    atomic_write(root / "manifest.json", top)
