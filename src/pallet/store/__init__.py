"""The local store: content-addressed blobs, unpacked layers, the image index.

Names load on first use, so importing one submodule does not import them all.
"""

from __future__ import annotations

from pallet._lazy import lazy_exports

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from pallet.store.blobs import BlobStore, BlobWriter
    from pallet.store.images import ImageIndex, ImageRecord
    from pallet.store.layers import LayerInfo, LayerStore
    from pallet.store.root import StoreRoot, default_root
    from pallet.store.store import Store, StoreImage, StoreLayer

__all__ = [
    "BlobStore",
    "BlobWriter",
    "ImageIndex",
    "ImageRecord",
    "LayerInfo",
    "LayerStore",
    "Store",
    "StoreImage",
    "StoreLayer",
    "StoreRoot",
    "default_root",
]

_WHERE = {
    "BlobStore": ("blobs", "BlobStore"),
    "BlobWriter": ("blobs", "BlobWriter"),
    "ImageIndex": ("images", "ImageIndex"),
    "ImageRecord": ("images", "ImageRecord"),
    "LayerInfo": ("layers", "LayerInfo"),
    "LayerStore": ("layers", "LayerStore"),
    "Store": ("store", "Store"),
    "StoreImage": ("store", "StoreImage"),
    "StoreLayer": ("store", "StoreLayer"),
    "StoreRoot": ("root", "StoreRoot"),
    "default_root": ("root", "default_root"),
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
