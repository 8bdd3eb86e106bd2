"""The small interfaces every transport reads and writes (go-containerregistry's v1.Image).

An ``Image`` is lazy: nothing is fetched or opened until a caller asks for bytes. Transports
(registry, archives, layouts) and the local store each provide implementations; copying an image
anywhere is "read one Image, write it to another place".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO, Protocol, runtime_checkable

from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest

__all__ = ["Image", "ImageIndex", "Layer"]


@runtime_checkable
class Layer(Protocol):
    """One layer: the blob as the manifest names it, and the diffID of its uncompressed tar."""

    @property
    def descriptor(self) -> Descriptor:
        """mediaType, digest and size of the (possibly compressed) blob."""
        ...

    @property
    def diff_id(self) -> str:
        """``sha256:…`` of the uncompressed tar."""
        ...

    def open(self) -> BinaryIO:
        """The blob's bytes exactly as described by ``descriptor`` (compressed if it is)."""
        ...


@runtime_checkable
class Image(Protocol):
    """A single-platform image: manifest, config and layers, with their exact bytes."""

    @property
    def manifest_bytes(self) -> bytes: ...

    @property
    def manifest(self) -> Manifest: ...

    @property
    def config_bytes(self) -> bytes: ...

    @property
    def config(self) -> ImageConfig: ...

    def layers(self) -> Sequence[Layer]:
        """Layers in order, base first, paired with the config's diffIDs."""
        ...


@runtime_checkable
class ImageIndex(Protocol):
    """A multi-platform index / manifest list; children are opened by descriptor."""

    @property
    def index_bytes(self) -> bytes: ...

    @property
    def index(self) -> Index: ...

    def image(self, descriptor: Descriptor) -> Image: ...
