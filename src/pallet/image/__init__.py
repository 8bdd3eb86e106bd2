"""Image and layer interfaces, and pure mutations that return new images."""

from pallet.image.protocol import Image, ImageIndex, Layer

__all__ = ["Image", "ImageIndex", "Layer"]
