"""The deterministic tar stream taskgraph hashes a docker context into.

taskgraph writes its context tars with :mod:`tarfile` in GNU format, every member a regular file
owned by 0:0 with empty owner names and mtime 2016-01-01, in sorted name order. It also forces
the pre-3.9 header layout, in which the device number fields hold ``0000000`` rather than NULs
(that applies to the ``././@LongLink`` header of a long name too). The bytes here are the same,
built without tarfile's per-member overhead: a context can hold tens of thousands of files, so
files are read in large chunks into one reused buffer and hashed through memoryviews.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from typing import BinaryIO

from pallet.errors import BuildError

__all__ = ["TAR_MTIME", "Member", "header", "stream_tar"]

TAR_MTIME = 1451606400
"""2016-01-01T00:00:00Z, the mtime taskgraph gives every member."""

_BLOCK = 512
_RECORD = 20 * _BLOCK
_CHUNK = 1 << 20
_ZEROS = bytes(_RECORD)
_GNU_MAGIC = b"ustar  \x00"
_ZERO_ID = b"0000000\x00"
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)

Member = tuple[str, "str | bytes"]
"""An archive name and either a filesystem path to read or the member's exact bytes."""


def _number(value: int, width: int) -> bytes:
    """A numeric field: octal and NUL-terminated, or GNU base-256 when it does not fit."""
    if 0 <= value < 8 ** (width - 1):
        return b"%0*o\x00" % (width - 1, value)
    if 0 <= value < 256 ** (width - 1):
        return b"\x80" + value.to_bytes(width - 1, "big")
    raise BuildError(f"tar field overflow: {value}")


def _tail(typeflag: bytes) -> bytes:
    # type, linkname, magic, uname, gname, devmajor, devminor, prefix, padding
    return typeflag + bytes(100) + _GNU_MAGIC + bytes(64) + _ZERO_ID * 2 + bytes(167)


_REG_TAIL = _tail(b"0")
_LONG_TAIL = _tail(b"L")
_REG_TAIL_SUM = sum(_REG_TAIL) + 8 * 32
_LONG_TAIL_SUM = sum(_LONG_TAIL) + 8 * 32


def _block(name: bytes, mode: int, size: int, mtime: int, tail: bytes, tail_sum: int) -> bytes:
    head = (
        name[:100].ljust(100, b"\x00")
        + _number(mode & 0o7777, 8)
        + _ZERO_ID * 2
        + _number(size, 12)
        + _number(mtime, 12)
    )
    return head + b"%06o\x00 " % (sum(head) + tail_sum) + tail


def header(name: str, mode: int, size: int) -> bytes:
    """The header block(s) of one regular-file member, a GNU long-name record first if needed."""
    raw = os.fsencode(name)
    out = b""
    if len(raw) > 100:
        payload = raw + b"\x00"
        out = _block(b"././@LongLink", 0, len(payload), 0, _LONG_TAIL, _LONG_TAIL_SUM)
        out += payload + _ZEROS[: -len(payload) % _BLOCK]
    return out + _block(raw, mode, size, TAR_MTIME, _REG_TAIL, _REG_TAIL_SUM)


class _Sink:
    """Hashes everything emitted and passes it on to ``out`` when there is one."""

    __slots__ = ("hash", "offset", "out")

    def __init__(self, out: BinaryIO | None) -> None:
        self.hash = hashlib.sha256()
        self.out = out
        self.offset = 0

    def emit(self, data: bytes | memoryview) -> None:
        self.hash.update(data)
        if self.out is not None:
            self.out.write(data)
        self.offset += len(data)


def _copy_file(sink: _Sink, name: str, path: str, view: memoryview, where: str) -> None:
    """Emit one file member; ``where`` prefixes error messages (the image)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        raise BuildError(f"{where}: {path}: cannot open: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BuildError(f"{where}: {path}: not a regular file")
        if st.st_mode & (stat.S_ISUID | stat.S_ISGID):
            raise BuildError(f"{where}: {path}: setuid or setgid bit set")
        remaining = st.st_size
        sink.emit(header(name, st.st_mode, remaining))
        while remaining:
            n = os.readv(fd, [view[: min(remaining, _CHUNK)]])
            if n == 0:
                raise BuildError(f"{where}: {path}: file shrank while it was read")
            sink.emit(view[:n])
            remaining -= n
        sink.emit(_ZEROS[: -st.st_size % _BLOCK])
    finally:
        os.close(fd)


def stream_tar(members: Iterable[Member], out: BinaryIO | None, where: str) -> str:
    """Write ``members`` (already in archive order) as a tar to ``out``; return its sha256 hex."""
    sink = _Sink(out)
    view = memoryview(bytearray(_CHUNK))
    for name, source in members:
        if isinstance(source, bytes):
            sink.emit(header(name, 0o644, len(source)))
            sink.emit(source)
            sink.emit(_ZEROS[: -len(source) % _BLOCK])
        else:
            _copy_file(sink, name, source, view, where)
    sink.emit(_ZEROS[: 2 * _BLOCK])
    sink.emit(_ZEROS[: -sink.offset % _RECORD])
    return sink.hash.hexdigest()
