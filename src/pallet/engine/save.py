"""``pallet save``: images to a docker-archive or oci-archive, optionally compressed."""

from __future__ import annotations

from typing import BinaryIO

from pallet.archive import Compression, open_compressor
from pallet.engine.context import Engine
from pallet.engine.images import get_image
from pallet.errors import InvalidArgument
from pallet.oci.reference import Reference
from pallet.store.store import StoreImage

__all__ = ["FORMATS", "save_images"]

FORMATS = ("docker-archive", "oci-archive")
_COMPRESS = {
    "zstd": Compression.ZSTD,
    "gzip": Compression.GZIP,
    "none": Compression.NONE,
    "": Compression.NONE,
}


def save_images(
    engine: Engine,
    names: list[str],
    out: BinaryIO,
    *,
    format: str = "docker-archive",
    compress: str = "",
) -> None:
    """Write the named images (with the names they were asked by) to ``out``."""
    if format not in FORMATS:
        raise InvalidArgument(f"unsupported format {format!r}: want one of {', '.join(FORMATS)}")
    if compress not in _COMPRESS:
        raise InvalidArgument(f"unsupported compression {compress!r}: want zstd or gzip")
    picked: dict[str, tuple[StoreImage, list[str]]] = {}
    for name in names:
        img = get_image(engine, name)
        tags = picked.setdefault(img.record.id, (img, []))[1]
        tag = _tag_for(name, img)
        if tag and tag not in tags:
            tags.append(tag)
    images = list(picked.values())
    sink = open_compressor(out, _COMPRESS[compress])
    try:
        if format == "docker-archive":
            from pallet.transports import docker_archive

            docker_archive.write(sink, images)
        else:
            from pallet.transports import oci_archive

            oci_archive.write(sink, images)
    finally:
        if sink is not out:
            sink.close()


def _tag_for(name: str, img: StoreImage) -> str:
    """The full name a user's argument stands for, or "" when they gave an id."""
    if img.record.hex.startswith(name.removeprefix("sha256:")):
        return ""
    ref = Reference.parse(name)
    for cand in (str(ref.qualify()), str(ref.docker_hub())):
        if cand in img.record.names:
            return cand
    tag = ref.tag or "latest"
    for n in img.record.names:
        if n.endswith(f"/{ref.path}:{tag}"):
            return n
    return str(ref.qualify())
