"""``pallet import``: a rootfs tarball (plain, gzip, zstd, xz, bzip2) becomes a one-layer image."""

from __future__ import annotations

from typing import BinaryIO

from pallet.archive import Compression
from pallet.engine.changes import apply_changes
from pallet.engine.context import Engine
from pallet.engine.images import normalize_name
from pallet.oci import mediatypes as mt
from pallet.oci.config import ContainerConfig, History, ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.oci.platform import Platform, host_platform
from pallet.store.images import ImageRecord
from pallet.store.ingest import ingest_layer
from pallet.store.store import now_rfc3339

__all__ = ["import_tarball", "layer_media_type"]

_LAYER_TYPES = {
    Compression.NONE: mt.OCI_LAYER,
    Compression.GZIP: mt.OCI_LAYER_GZIP,
    Compression.ZSTD: mt.OCI_LAYER_ZSTD,
}


def layer_media_type(compression: Compression) -> str:
    return _LAYER_TYPES[compression]


def import_tarball(
    engine: Engine,
    src: BinaryIO,
    *,
    reference: str | None = None,
    changes: list[str] | None = None,
    message: str = "",
    platform: Platform | None = None,
) -> ImageRecord:
    """Store ``src`` as the single layer of a new image, optionally named ``reference``."""
    name = normalize_name(reference) if reference else None
    plat = platform or host_platform()
    with engine.store.writing():
        layer = ingest_layer(engine.store, src, allow_empty=False)
        created = now_rfc3339()
        config = ImageConfig(
            architecture=plat.architecture,
            os=plat.os,
            variant=plat.variant,
            config=apply_changes(ContainerConfig(), changes or []),
            diff_ids=(layer.diff_id,),
            history=(
                History(
                    created=created,
                    created_by=f"/bin/sh -c #(nop) ADD file:{layer.diff_id[7:]} in / ",
                    comment=message or "imported from tarball",
                ),
            ),
            created=created,
        )
        config_bytes = config.to_bytes()
        config_digest = engine.store.blobs.put(config_bytes)
        manifest = Manifest(
            media_type=mt.OCI_MANIFEST,
            config=Descriptor(mt.OCI_CONFIG, config_digest, len(config_bytes)),
            layers=(Descriptor(layer_media_type(layer.compression), layer.digest, layer.size),),
        )
        return engine.store.add_image(
            manifest.to_bytes(), config_bytes, names=[name] if name else []
        )
