"""Decompressing in a read-ahead thread: the same bytes, the same errors, no thread left over."""

from __future__ import annotations

import gc
import io
import os
import threading
import time

import pytest

from pallet.archive import Compression, open_compressor, open_decompressed
from pallet.archive._streams import ReadAhead
from pallet.errors import InvalidArchive


def pumps() -> int:
    return sum(t.name == "pallet-read-ahead" for t in threading.enumerate())


def wait_for_no_pumps() -> None:
    for _ in range(100):
        if not pumps():
            return
        time.sleep(0.02)
    assert pumps() == 0


def compressed(data: bytes, kind: Compression) -> bytes:
    out = io.BytesIO()
    writer = open_compressor(out, kind)
    writer.write(data)
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("kind", [Compression.ZSTD, Compression.GZIP])
def test_read_ahead_gives_the_same_bytes(kind: Compression) -> None:
    data = os.urandom(3 << 20) + bytes(5 << 20)
    stream = open_decompressed(io.BytesIO(compressed(data, kind)), read_ahead=True)
    got = [stream.read(100), stream.read(1 << 20), stream.read(3 << 20), stream.read()]
    assert b"".join(got) == data
    assert [len(x) for x in got[:3]] == [100, 1 << 20, 3 << 20]  # full reads, as buffered
    assert stream.read(10) == b""
    wait_for_no_pumps()


class Chunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)

    def read(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def test_whole_chunks_are_handed_over_uncopied() -> None:
    chunks = [os.urandom(1 << 20) for _ in range(3)]
    stream = ReadAhead(Chunks(chunks))  # type: ignore[arg-type]
    assert stream.read(1 << 20) is chunks[0]
    assert stream.read(1 << 20) is chunks[1]
    buffer = bytearray(1 << 20)
    assert stream.readinto(buffer) == 1 << 20 and bytes(buffer) == chunks[2]
    assert stream.read(1) == b""


def test_errors_of_the_thread_are_raised_by_the_reader_every_time() -> None:
    data = compressed(os.urandom(4 << 20), Compression.ZSTD)
    stream = open_decompressed(io.BytesIO(data[: len(data) // 2]), read_ahead=True)
    with pytest.raises(InvalidArchive, match="truncated"):
        stream.read()
    with pytest.raises(InvalidArchive, match="truncated"):
        stream.read(10)
    wait_for_no_pumps()


def test_a_reader_dropped_early_stops_its_thread() -> None:
    data = compressed(bytes(64 << 20), Compression.ZSTD)
    stream = open_decompressed(io.BytesIO(data), read_ahead=True)
    assert stream.read(10) == bytes(10)
    time.sleep(0.1)  # the thread fills its queue and waits
    del stream
    gc.collect()
    wait_for_no_pumps()


def test_uncompressed_input_is_not_threaded() -> None:
    stream = open_decompressed(io.BytesIO(b"plain" * 1000), read_ahead=True)
    assert stream.read() == b"plain" * 1000
    assert pumps() == 0
