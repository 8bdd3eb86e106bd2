"""The local store: content-addressed blobs, unpacked layers, the image index."""

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
