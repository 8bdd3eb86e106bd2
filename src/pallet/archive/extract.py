"""Safe, streaming extraction of layer tars, with OCI whiteouts.

Headers are parsed by :mod:`~pallet.archive.tarreader` (tarfile's stream mode is several times
slower); every write is ours: names are made relative, ``..`` escapes are refused, symlinks on a
member's path are followed as if the destination were ``/`` (see
:class:`~pallet.archive._scoped.ScopedRoot`), and a member's own path is replaced, never written
through. On error the destination is left partly written:
extract into a scratch directory and rename it into place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pallet.archive._streams import read_head
from pallet.archive._tarheader import BLOCK, ZERO_BLOCK, BadHeader, checksum_ok
from pallet.archive._writer import ExtractMode, Writer
from pallet.archive.compression import Compression, sniff
from pallet.archive.tarreader import TarReader
from pallet.errors import InvalidArchive, InvalidArgument

__all__ = ["ExtractMode", "ExtractResult", "extract_layer"]


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What :func:`extract_layer` wrote."""

    files: int
    """Regular files and hard links written."""
    bytes: int
    """Bytes of regular-file content written."""
    entries: int
    """Members applied, of every kind, whiteouts included."""
    skipped: tuple[str, ...]
    """Names of members left out: unknown types, device nodes not allowed, aufs metadata."""


def extract_layer(
    stream: BinaryIO,
    dest: Path,
    *,
    mode: ExtractMode,
    allow_devices: bool = True,
    chown: bool | None = None,
) -> ExtractResult:
    """Unpack the (already decompressed) tar ``stream`` under ``dest``, which is created.

    ``mode="overlay"`` unpacks one layer into its own directory for use as an overlayfs
    lowerdir: ``.wh.NAME`` becomes a 0:0 character device and ``.wh..wh..opq`` the xattr
    ``trusted.overlay.opaque=y``. ``mode="apply"`` flattens the layer onto ``dest``: whiteouts
    delete what earlier layers put there. Character and block devices are skipped unless
    ``allow_devices``; owners are set when ``chown`` (default: when running as root). The stream
    is read to its end, so a :class:`HashingReader` around it then holds the diffID.
    Raises InvalidArchive (UnsafeArchive for escapes) for bad input.
    """
    if mode not in ("overlay", "apply"):
        raise InvalidArgument(f"unknown extraction mode {mode!r}")
    dest.mkdir(parents=True, exist_ok=True)
    head = read_head(stream, BLOCK)
    if not head:  # an empty stream is an empty layer, as for Go's archive/tar
        return ExtractResult(0, 0, 0, ())
    if len(head) < BLOCK:
        raise InvalidArchive("tar archive is truncated (or not a tar archive)")
    if not _starts_a_tar(head):
        kind = sniff(head)
        hint = f" ({kind.value}-compressed data)" if kind is not Compression.NONE else ""
        raise InvalidArchive(f"not a tar archive{hint}")
    reader = TarReader(stream, head)
    writer = Writer(os.path.realpath(dest), mode, allow_devices, chown)
    while (member := reader.next()) is not None:
        writer.member(reader, member)
    writer.finish()
    reader.drain()
    return ExtractResult(writer.files, writer.bytes, writer.entries, tuple(writer.skipped))


def _starts_a_tar(head: bytes) -> bool:
    try:
        return head == ZERO_BLOCK or checksum_ok(head)
    except BadHeader:
        return False
