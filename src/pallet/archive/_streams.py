"""Small stream helpers shared by the archive modules."""

from __future__ import annotations

import io
from typing import BinaryIO

CHUNK = 1 << 20
"""Read and copy size used throughout the package: large enough to amortise Python overhead."""


def read_head(stream: BinaryIO, size: int) -> bytes:
    """Read up to ``size`` bytes, looping over short reads (pipes give them), stopping at EOF."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = stream.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


class PrefixedReader(io.RawIOBase):
    """Reads ``head`` and then the rest of ``stream``: un-reads a peeked head on any stream."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        readinto = getattr(self._stream, "readinto", None)
        if readinto is not None:
            return int(readinto(view) or 0)
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def buffered(head: bytes, stream: BinaryIO) -> BinaryIO:
    """``head`` followed by ``stream`` behind a 1 MiB read buffer."""
    return io.BufferedReader(PrefixedReader(head, stream), buffer_size=CHUNK)  # type: ignore[return-value]


def drain(stream: BinaryIO) -> int:
    """Read ``stream`` to its end, discarding the bytes; return how many there were."""
    total = 0
    while True:
        data = stream.read(CHUNK)
        if not data:
            return total
        total += len(data)
