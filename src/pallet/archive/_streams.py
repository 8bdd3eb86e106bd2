"""Small stream helpers shared by the archive modules."""

from __future__ import annotations

import io
import queue
import threading
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


class ReadAhead(io.RawIOBase):
    """Reads ``source`` in a thread of its own, up to ``depth`` chunks ahead of the reader.

    Decompressors and file reads release the GIL, so a decompressed stream read through this
    is decompressed on another core while the reader's thread unpacks what came before. A read
    returns as many bytes as asked unless the stream ends, and hands out the chunk the thread
    read, uncopied, when it is asked for exactly that. An error in the thread is raised by the
    read that reaches it. Closing (or dropping) the reader stops the thread.
    """

    def __init__(self, source: BinaryIO, *, depth: int = 4) -> None:
        super().__init__()
        self._pump = _Pump(source, depth)
        self._chunk = b""
        self._pos = 0
        self._eof = False
        threading.Thread(target=self._pump.run, name="pallet-read-ahead", daemon=True).start()

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        parts: list[bytes] = []
        while size > 0:
            if self._pos == len(self._chunk):
                if self._eof:
                    break
                self._chunk, self._pos = self._pump.get(), 0
                if not self._chunk:
                    self._eof = True
                    break
            chunk, pos = self._chunk, self._pos
            take = min(size, len(chunk) - pos)
            parts.append(chunk if take == len(chunk) else chunk[pos : pos + take])
            self._pos += take
            size -= take
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._pump.stop()
        super().close()


class _Pump:
    """The thread's side of a :class:`ReadAhead` (which it does not reference, so a dropped
    reader is collected and closed)."""

    def __init__(self, source: BinaryIO, depth: int) -> None:
        self._source = source
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(depth)
        self._stopped = False
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            while True:
                chunk = self._source.read(CHUNK)
                if not self._put(chunk) or not chunk:
                    return
        except BaseException as e:  # raised again in the reader's thread
            self._put(e)

    def _put(self, item: bytes | BaseException) -> bool:
        while not self._stopped:
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> bytes:
        if self._error is None:
            item = self._queue.get()
            if isinstance(item, bytes):
                return item
            self._error = item
        raise self._error

    def stop(self) -> None:
        self._stopped = True
        while True:  # unblock a thread waiting to put
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
