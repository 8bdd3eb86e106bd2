"""Lazy images and indexes living in a registry (pallet.image.protocol implementations).

Nothing is fetched until asked for: the manifest comes with the object, the config is fetched
(and verified) on first use, and a layer's bytes only when ``open()`` or ``fetch()`` is called.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import BinaryIO, cast

from pallet.errors import InvalidArchive, RegistryError
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest, parse_manifest_or_index
from pallet.oci.platform import Platform
from pallet.transports.registry.blobs import BlobReader, fetch_blob
from pallet.transports.registry.client import RegistryClient
from pallet.transports.registry.options import BlobSink, Progress

__all__ = ["RemoteImage", "RemoteIndex", "RemoteLayer", "select_platform"]

_CONFIG_LIMIT = 64 << 20


class RemoteLayer:
    """One layer blob in ``repo``; ``repo`` also makes it mountable into sibling repos."""

    def __init__(
        self, client: RegistryClient, repo: str, descriptor: Descriptor, diff_id: str
    ) -> None:
        self._client = client
        self.repo = repo
        self._descriptor = descriptor
        self._diff_id = diff_id

    @property
    def registry(self) -> str:
        return self._client.host

    @property
    def descriptor(self) -> Descriptor:
        return self._descriptor

    @property
    def diff_id(self) -> str:
        return self._diff_id

    def open(self) -> BinaryIO:
        """A verifying stream of the blob (DigestMismatch on the read reaching its end)."""
        raw = BlobReader(self._client, self.repo, self._descriptor.digest, self._descriptor.size)
        return cast(BinaryIO, io.BufferedReader(raw, 1 << 20))

    def fetch(self, sink: BlobSink, progress: Progress | None = None) -> None:
        """Download into ``sink``; it is committed only after verification."""
        fetch_blob(self._client, self.repo, self._descriptor, sink, progress)


class RemoteImage:
    """A single-platform image in a registry."""

    def __init__(
        self,
        client: RegistryClient,
        repo: str,
        manifest_bytes: bytes,
        digest: str,
        manifest: Manifest | None = None,
    ) -> None:
        self.client = client
        self.repo = repo
        self.digest = digest
        self._manifest_bytes = manifest_bytes
        self._manifest = manifest or Manifest.from_bytes(manifest_bytes)
        self._config_bytes: bytes | None = None
        self._lock = threading.Lock()

    @property
    def manifest_bytes(self) -> bytes:
        return self._manifest_bytes

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    @property
    def config_bytes(self) -> bytes:
        with self._lock:
            if self._config_bytes is None:
                desc = self._manifest.config
                if desc.size > _CONFIG_LIMIT:
                    raise RegistryError(
                        f"image config {desc.digest} is too large: {desc.size} bytes"
                    )
                with BlobReader(self.client, self.repo, desc.digest, desc.size) as reader:
                    self._config_bytes = reader.read()
            return self._config_bytes

    @property
    def config(self) -> ImageConfig:
        return ImageConfig.from_bytes(self.config_bytes)

    def layers(self) -> Sequence[RemoteLayer]:
        descs = self._manifest.layers
        diff_ids = self.config.diff_ids
        if len(diff_ids) != len(descs):
            raise InvalidArchive(
                f"image {self.digest}: {len(descs)} layers but "
                f"{len(diff_ids)} diff_ids in its config"
            )
        return [
            RemoteLayer(self.client, self.repo, d, i) for d, i in zip(descs, diff_ids, strict=True)
        ]


def select_platform(index: Index, want: Platform) -> Descriptor:
    """The index entry for ``want``: an exact variant match first, then a compatible one."""
    matching = [d for d in index.manifests if d.platform is not None and want.matches(d.platform)]
    exact = [d for d in matching if d.platform is not None and d.platform.variant == want.variant]
    if exact or matching:
        return (exact or matching)[0]
    raise RegistryError(
        f"no image found in image index for architecture {want.architecture}, "
        f"variant {want.variant!r}, OS {want.os}",
        code="MANIFEST_UNKNOWN",
        status=404,
    )


class RemoteIndex:
    """An OCI index or Docker manifest list in a registry; children are fetched by digest."""

    def __init__(
        self,
        client: RegistryClient,
        repo: str,
        index_bytes: bytes,
        digest: str,
        index: Index | None = None,
    ) -> None:
        self.client = client
        self.repo = repo
        self.digest = digest
        self._index_bytes = index_bytes
        self._index = index or Index.from_bytes(index_bytes)

    @property
    def index_bytes(self) -> bytes:
        return self._index_bytes

    @property
    def index(self) -> Index:
        return self._index

    def child(self, descriptor: Descriptor) -> RemoteImage | RemoteIndex:
        data, media_type, digest = self.client.get_manifest(self.repo, descriptor.digest)
        parsed = parse_manifest_or_index(data, media_type or descriptor.media_type)
        if isinstance(parsed, Index):
            return RemoteIndex(self.client, self.repo, data, digest, parsed)
        return RemoteImage(self.client, self.repo, data, digest, parsed)

    def image(self, descriptor: Descriptor) -> RemoteImage:
        child = self.child(descriptor)
        if isinstance(child, RemoteIndex):
            raise InvalidArchive(f"{descriptor.digest} is an index, not an image manifest")
        return child

    def resolve(self, want: Platform) -> RemoteImage:
        """The image for ``want`` (following one level of nested index)."""
        child = self.child(select_platform(self._index, want))
        if isinstance(child, RemoteIndex):
            return child.image(select_platform(child.index, want))
        return child
