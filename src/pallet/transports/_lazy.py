"""Lazy ``Image``/``Layer``/``ImageIndex`` implementations over a place that holds blobs.

Every file transport reads through a ``BlobSource``: a directory (``oci:``, ``dir:``) or the
members of a tar archive (docker-archive, oci-archive). Manifests and configs are small and are
read, and checked against their digests, when an image is opened; layer bytes are read only
when a caller opens a layer, and are checked against the digest as they stream past.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, Protocol

from pallet.errors import InvalidArchive
from pallet.image.protocol import Image, Layer
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.digest import Digest
from pallet.oci.manifest import Index, Manifest
from pallet.transports._tarfiles import file_reader, verified

__all__ = [
    "ArchiveImage",
    "ArchiveIndex",
    "ArchiveLayer",
    "BlobSource",
    "DirSource",
    "check_digest",
]


class BlobSource(Protocol):
    """Named files: the members of an archive, or the files under a directory."""

    kind: str

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> BinaryIO: ...

    def read(self, name: str, limit: int = ...) -> bytes: ...

    def head(self, name: str, size: int = ...) -> bytes: ...


class DirSource:
    """The files under a directory; names are relative ``/``-separated paths."""

    def __init__(self, root: str | Path, kind: str) -> None:
        self.root = Path(root)
        self.kind = kind
        if not self.root.is_dir():
            raise InvalidArchive(f"invalid {kind}: {self.root} is not a directory")

    def _path(self, name: str) -> Path:
        norm = posixpath.normpath(name)
        if norm.startswith(("/", "..")):
            raise InvalidArchive(f"invalid {self.kind}: path {name!r} escapes the directory")
        return self.root / norm

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int:
        try:
            return self._path(name).stat().st_size
        except OSError:
            raise InvalidArchive(f"invalid {self.kind}: missing file {name}") from None

    def open(self, name: str) -> BinaryIO:
        if not self.exists(name):
            raise InvalidArchive(f"invalid {self.kind}: missing file {name}")
        return file_reader(self._path(name))

    def read(self, name: str, limit: int = 64 << 20) -> bytes:
        if self.size(name) > limit:
            raise InvalidArchive(f"invalid {self.kind}: {name} is too large")
        with self.open(name) as fh:
            return fh.read()

    def head(self, name: str, size: int = 6) -> bytes:
        with self.open(name) as fh:
            return fh.read(size)


def check_digest(data: bytes, digest: str, what: str) -> None:
    """Raise DigestMismatch unless ``data`` hashes to ``digest`` (InvalidArchive if malformed)."""
    try:
        parsed = Digest.parse(digest)
    except Exception:
        raise InvalidArchive(f"invalid {what} digest {digest!r}") from None
    parsed.verify(data, what)


@dataclass(frozen=True, slots=True)
class ArchiveLayer:
    """A layer whose blob is a named file of a ``BlobSource``, verified as it is read."""

    descriptor: Descriptor
    diff_id: str
    source: BlobSource = field(repr=False)
    name: str

    def open(self) -> BinaryIO:
        return verified(self.source.open(self.name), self.descriptor.digest, "layer")


class ArchiveImage:
    """An image whose manifest and config bytes are in memory and whose layers are lazy."""

    def __init__(
        self,
        manifest_bytes: bytes,
        config_bytes: bytes,
        layer_opener: Callable[[Descriptor, str], Layer],
        *,
        kind: str,
    ) -> None:
        self._manifest_bytes = manifest_bytes
        self._config_bytes = config_bytes
        manifest = self.manifest
        diff_ids = self.config.diff_ids
        if len(diff_ids) != len(manifest.layers):
            raise InvalidArchive(
                f"invalid {kind}: manifest has {len(manifest.layers)} layers"
                f" but the config {len(diff_ids)} diffIDs"
            )
        self._layers = [layer_opener(d, i) for d, i in zip(manifest.layers, diff_ids, strict=True)]

    @property
    def manifest_bytes(self) -> bytes:
        return self._manifest_bytes

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.from_bytes(self._manifest_bytes)

    @property
    def config_bytes(self) -> bytes:
        return self._config_bytes

    @cached_property
    def config(self) -> ImageConfig:
        return ImageConfig.from_bytes(self._config_bytes)

    def layers(self) -> Sequence[Layer]:
        return list(self._layers)

    def __repr__(self) -> str:
        return f"<ArchiveImage config={self.manifest.config.digest}>"


class ArchiveIndex:
    """An image index whose children are opened by ``open_image`` when asked for."""

    def __init__(self, index_bytes: bytes, open_image: Callable[[Descriptor], Image]) -> None:
        self._index_bytes = index_bytes
        self._open_image = open_image

    @property
    def index_bytes(self) -> bytes:
        return self._index_bytes

    @cached_property
    def index(self) -> Index:
        return Index.from_bytes(self._index_bytes)

    def image(self, descriptor: Descriptor) -> Image:
        return self._open_image(descriptor)

    def __repr__(self) -> str:
        return f"<ArchiveIndex manifests={len(self.index.manifests)}>"
