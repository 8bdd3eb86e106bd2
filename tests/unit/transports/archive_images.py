"""Small in-memory images for the file-transport tests (a test-only ``Image`` implementation)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import BinaryIO

import zstandard

from pallet.oci import mediatypes as mt
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest, canonical_json
from pallet.oci.platform import Platform


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(files: dict[str, bytes]) -> bytes:
    """An uncompressed layer tar holding ``files``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def compress(data: bytes, how: str) -> tuple[bytes, str]:
    if how == "gzip":
        return gzip.compress(data, mtime=0), mt.OCI_LAYER_GZIP
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data), mt.OCI_LAYER_ZSTD
    return data, mt.OCI_LAYER


@dataclass(frozen=True)
class MemLayer:
    descriptor: Descriptor
    diff_id: str
    blob: bytes

    def open(self) -> BinaryIO:
        return io.BytesIO(self.blob)


class MemImage:
    """An image whose bytes are all in memory."""

    def __init__(self, config_bytes: bytes, layers: Sequence[MemLayer]) -> None:
        self.config_bytes = config_bytes
        self._layers = list(layers)
        config = Descriptor(mt.OCI_CONFIG, sha(config_bytes), len(config_bytes))
        self.manifest_bytes = Manifest(
            mt.OCI_MANIFEST, config, tuple(la.descriptor for la in layers)
        ).to_bytes()

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.from_bytes(self.manifest_bytes)

    @cached_property
    def config(self) -> ImageConfig:
        return ImageConfig.from_bytes(self.config_bytes)

    def layers(self) -> Sequence[MemLayer]:
        return list(self._layers)


def make_image(
    tars: Sequence[bytes], compression: str = "none", arch: str = "amd64", cmd: str = "sh"
) -> MemImage:
    """An image of the given uncompressed layer tars, each stored with ``compression``."""
    layers = []
    for tar in tars:
        blob, media = compress(tar, compression)
        layers.append(MemLayer(Descriptor(media, sha(blob), len(blob)), sha(tar), blob))
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Cmd": [cmd]},
        "rootfs": {"type": "layers", "diff_ids": [la.diff_id for la in layers]},
    }
    return MemImage(json.dumps(config).encode(), layers)


class MemIndex:
    """A two-platform index over MemImages."""

    def __init__(self, images: dict[str, MemImage]) -> None:
        self._images = {sha(i.manifest_bytes): i for i in images.values()}
        entries = [
            Descriptor(
                mt.OCI_MANIFEST,
                sha(img.manifest_bytes),
                len(img.manifest_bytes),
                platform=Platform("linux", arch),
            )
            for arch, img in images.items()
        ]
        self.index_bytes = canonical_json(Index(mt.OCI_INDEX, tuple(entries)).to_json())

    @cached_property
    def index(self) -> Index:
        return Index.from_bytes(self.index_bytes)

    def image(self, descriptor: Descriptor) -> MemImage:
        return self._images[descriptor.digest]
