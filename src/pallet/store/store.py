"""The local store: one object over the blobs, layers and image index of a root."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from pallet.clock import now_rfc3339
from pallet.errors import BlobNotFound, StoreError
from pallet.oci.config import ImageConfig
from pallet.store.blobs import BlobStore
from pallet.store.images import ImageIndex, ImageRecord
from pallet.store.lock import FileLock
from pallet.store.root import StoreRoot

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import BinaryIO

    from pallet.oci.descriptor import Descriptor
    from pallet.oci.manifest import Manifest

__all__ = ["Store", "StoreImage", "StoreLayer", "now_rfc3339"]


class Store:
    """Blobs, unpacked layers and the image index under one root."""

    def __init__(self, root: StoreRoot) -> None:
        from pallet.store.layers import LayerStore

        self.root = root
        self.blobs = BlobStore(root)
        self.layers = LayerStore(root)
        self.images = ImageIndex(root)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Held (shared) by anything that adds blobs or layers, so gc (exclusive) never
        removes what a writer has stored but not yet referenced."""
        self.root.ensure()
        with FileLock(self.root.lock_path("gc"), shared=True):
            from pallet.store.staging import clean_stale

            clean_stale(self.root.tmp)  # what writers killed mid-way left behind
            yield

    @contextlib.contextmanager
    def collecting(self) -> Iterator[None]:
        self.root.ensure()
        with FileLock(self.root.lock_path("gc")):
            yield

    def add_image(
        self,
        manifest_bytes: bytes,
        config_bytes: bytes,
        *,
        names: Sequence[str] = (),
        digests: Sequence[str] = (),
        manifest_media_type: str = "",
    ) -> ImageRecord:
        """Record an image whose layers are already stored; move ``names`` onto it."""
        from pallet.oci.manifest import Manifest

        manifest = Manifest.from_bytes(manifest_bytes)
        config_digest = self.blobs.put(config_bytes, manifest.config.digest)
        config = ImageConfig.from_bytes(config_bytes)
        if len(config.diff_ids) != len(manifest.layers):
            raise StoreError("image config and manifest disagree on the number of layers")
        for layer, diff_id in zip(manifest.layers, config.diff_ids, strict=True):
            if not self.blobs.has(layer.digest):
                raise BlobNotFound(f"layer blob {layer.digest} is not in the store")
            if not self.layers.has(diff_id):
                raise BlobNotFound(f"layer {diff_id} is not unpacked in the store")
        manifest_digest = self.blobs.put(manifest_bytes)
        with self.images.transaction() as records:
            old = records.get(config_digest)
            wanted = tuple(dict.fromkeys(names))
            for key, rec in list(records.items()):
                if key != config_digest and any(n in rec.names for n in wanted):
                    records[key] = replace(
                        rec, names=tuple(n for n in rec.names if n not in wanted)
                    )
            if old is None:
                rec = ImageRecord(
                    id=config_digest,
                    manifest_digest=manifest_digest,
                    manifest_media_type=manifest_media_type or manifest.media_type,
                    names=wanted,
                    digests=tuple(dict.fromkeys(digests)),
                    created=config.created,
                    added=now_rfc3339(),
                )
            else:
                rec = replace(
                    old,
                    names=tuple(dict.fromkeys(old.names + wanted)),
                    digests=tuple(dict.fromkeys(old.digests + tuple(digests))),
                )
            records[config_digest] = rec
        return rec

    def image(self, record: ImageRecord) -> StoreImage:
        return StoreImage(self, record)


class StoreLayer:
    """A layer blob held by the store."""

    def __init__(self, store: Store, descriptor: Descriptor, diff_id: str) -> None:
        self._store = store
        self._descriptor = descriptor
        self._diff_id = diff_id

    @property
    def descriptor(self) -> Descriptor:
        return self._descriptor

    @property
    def diff_id(self) -> str:
        return self._diff_id

    def open(self) -> BinaryIO:
        return self._store.blobs.open(self._descriptor.digest)


class StoreImage:
    """An image of the store, through the ``pallet.image.Image`` protocol."""

    def __init__(self, store: Store, record: ImageRecord) -> None:
        self._store = store
        self.record = record
        # an image's id is its config's digest: the config needs no manifest to be found
        self._config_bytes = store.blobs.read(record.id)
        self._config = ImageConfig.from_bytes(self._config_bytes)
        self._manifest_bytes: bytes | None = None
        self._manifest: Manifest | None = None

    @property
    def manifest_bytes(self) -> bytes:
        if self._manifest_bytes is None:
            self._manifest_bytes = self._store.blobs.read(self.record.manifest_digest)
        return self._manifest_bytes

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            from pallet.oci.manifest import Manifest

            self._manifest = Manifest.from_bytes(self.manifest_bytes)
        return self._manifest

    @property
    def config_bytes(self) -> bytes:
        return self._config_bytes

    @property
    def config(self) -> ImageConfig:
        return self._config

    def layers(self) -> Sequence[StoreLayer]:
        return [
            StoreLayer(self._store, d, diff)
            for d, diff in zip(self.manifest.layers, self._config.diff_ids, strict=True)
        ]

    def layer_dirs(self) -> list[str]:
        """Unpacked layer paths, base first."""
        return [str(self._store.layers.path(d)) for d in self._config.diff_ids]

    @property
    def size(self) -> int:
        return sum(self._store.layers.info(d).size for d in self._config.diff_ids)
