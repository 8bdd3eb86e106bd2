"""Safe, streaming extraction of layer tars, with OCI whiteouts.

Headers are parsed by :mod:`tarfile` in stream mode; every write is ours: names are made
relative, ``..`` escapes are refused, symlinks on a member's path are followed as if the
destination were ``/`` (see :class:`~pallet.archive._scoped.ScopedRoot`), and a member's own
path is replaced, never written through. On error the destination is left partly written:
extract into a scratch directory and rename it into place.
"""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

from pallet.archive._streams import drain, read_head
from pallet.archive._writer import ExtractMode, Writer
from pallet.archive.compression import Compression, sniff
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
    head = read_head(stream, tarfile.BLOCKSIZE)
    if not head:  # an empty stream is an empty layer, as for Go's archive/tar
        return ExtractResult(0, 0, 0, ())
    if len(head) < tarfile.BLOCKSIZE:
        raise InvalidArchive("tar archive is truncated (or not a tar archive)")
    source = _HeadThenRest(head, stream)
    last_header = _LastHeader()
    try:
        archive = tarfile.open(  # noqa: SIM115 (closed below)
            fileobj=cast(IO[bytes], source),
            mode="r|",
            tarinfo=last_header.tarinfo_class(),
            encoding="utf-8",
            errors="surrogateescape",
        )
    except tarfile.TarError:
        kind = sniff(head)
        hint = f" ({kind.value}-compressed data)" if kind is not Compression.NONE else ""
        raise InvalidArchive(f"not a tar archive{hint}") from None
    writer = Writer(os.path.realpath(dest), mode, allow_devices, chown)
    try:
        with archive:
            while (member := archive.next()) is not None:
                archive.members.clear()  # type: ignore[attr-defined]  # else it keeps them all
                writer.member(archive, member)
    except (tarfile.TarError, EOFError) as e:
        raise InvalidArchive(f"tar archive is truncated or corrupt: {e}") from None
    last_header.check(archive.offset)
    writer.finish()
    drain(cast(BinaryIO, source))
    return ExtractResult(writer.files, writer.bytes, writer.entries, tuple(writer.skipped))


class _HeadThenRest:
    """Gives back the block read to look at the start of the stream, then the stream."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:  # a short read: tarfile and drain() both read until they have enough
            cut = len(self._head) if size < 0 else size
            head, self._head = self._head[:cut], self._head[cut:]
            return head
        return self._stream.read(size)


class _LastHeader:
    """Notes the last header block tarfile read: it stops silently at a bad or short one."""

    def __init__(self) -> None:
        self.block = b""

    def tarinfo_class(self) -> type[tarfile.TarInfo]:
        probe = self

        class _TarInfo(tarfile.TarInfo):
            @classmethod
            def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> _TarInfo:
                probe.block = bytes(buf)
                return super().frombuf(buf, encoding, errors)

        return _TarInfo

    def check(self, offset: int) -> None:
        block = self.block
        if not block or block.count(0) == len(block) == tarfile.BLOCKSIZE:
            return  # the end-of-archive marker, or the stream ended between members
        if len(block) < tarfile.BLOCKSIZE:
            raise InvalidArchive(f"tar archive is truncated (in the header at offset {offset})")
        raise InvalidArchive(f"tar archive is corrupt (bad header at offset {offset})")
