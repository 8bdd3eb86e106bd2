"""The oci-archive transport: an OCI image layout in a tar, as ``podman save --format
oci-archive`` and ``skopeo copy … oci-archive:`` write it.

Blobs are written byte for byte (digests preserved), each once however many images share it.
Each name becomes an ``index.json`` entry with ``org.opencontainers.image.ref.name`` (podman
writes the full name there) and, for a full reference, ``io.containerd.image.name`` too (what
Docker >= 25 and containerd read). An image saved with no name gets one unannotated entry.

Reading gives every entry, an image or a multi-platform index, with the names
``layout.entry_names`` finds in its annotations.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable, Sequence
from typing import BinaryIO

from pallet.errors import InvalidArchive
from pallet.image.protocol import Image, ImageIndex
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, canonical_json
from pallet.transports._tarfiles import Progress, TarSource, TarWriter, verified
from pallet.transports.layout import (
    LAYOUT_BYTES,
    LAYOUT_FILE,
    blob_path,
    iter_blobs,
    name_annotations,
    read_entries,
    top_descriptor,
)

__all__ = ["KIND", "read", "write"]

KIND = "oci-archive"


def write(
    out: BinaryIO,
    images: Sequence[tuple[Image | ImageIndex, Sequence[str]]],
    *,
    progress: Progress | None = None,
) -> None:
    """Stream an oci-archive of ``images`` (each with its names) to ``out``.

    Blob bytes are checked against their digests as they pass; a mismatch raises
    DigestMismatch (the archive written so far is then unusable).
    """
    tar = TarWriter(out, progress)
    tar.add_dir("blobs")
    tar.add_dir("blobs/sha256")
    entries: list[Descriptor] = []
    for item, names in images:
        for digest, size, opener in iter_blobs(item):
            _add_blob(tar, digest, size, opener)
        desc, data = top_descriptor(item)
        _add_blob(tar, desc.digest, desc.size, functools.partial(io.BytesIO, data))
        for name in names or [""]:
            entries.append(
                Descriptor(desc.media_type, desc.digest, desc.size, name_annotations(name))
            )
    index = Index(mt.OCI_INDEX, tuple(entries))
    tar.add_bytes("index.json", canonical_json(index.to_json()))
    tar.add_bytes(LAYOUT_FILE, LAYOUT_BYTES)
    tar.close()


def _add_blob(
    tar: TarWriter, digest: str, size: int, opener: Callable[[], BinaryIO | io.BytesIO]
) -> None:
    member = blob_path(digest)
    if member in tar.written:
        return
    with opener() as raw:
        checked = verified(raw, digest)  # type: ignore[arg-type]
        tar.add_stream(member, size, checked, what=digest)


def read(path: str | os.PathLike[str]) -> list[tuple[Image | ImageIndex, list[str]]]:
    """Every entry of the oci-archive at ``path`` (a seekable file), with its names."""
    src = TarSource(path, KIND)
    if not src.exists("index.json"):
        raise InvalidArchive(f"invalid {KIND}: no index.json")
    return [(item, names) for _desc, item, names in read_entries(src)]
