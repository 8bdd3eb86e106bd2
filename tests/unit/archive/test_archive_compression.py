from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import threading

import pytest
import zstandard

from pallet.archive import (
    Compression,
    HashingReader,
    HashingWriter,
    open_compressor,
    open_decompressed,
    sniff,
)
from pallet.errors import InvalidArchive

PAYLOAD = os.urandom(200_000) + b"layer " * 300_000
COMPRESSED = [c for c in Compression if c is not Compression.NONE]


def compress(data: bytes, kind: Compression) -> bytes:
    out = io.BytesIO()
    writer = open_compressor(out, kind)
    writer.write(data)
    writer.close()
    assert not out.closed
    return out.getvalue()


class Trickle(io.RawIOBase):
    """A pipe-like stream: no seek, no peek, and never more than a few bytes per read."""

    def __init__(self, data: bytes, step: int = 3) -> None:
        self._data = memoryview(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self._step, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def read_all(kind_data: bytes) -> bytes:
    return open_decompressed(io.BytesIO(kind_data)).read()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x1f\x8b\x08\x00\x00\x00", Compression.GZIP),
        (b"\x28\xb5\x2f\xfd\x04\x58", Compression.ZSTD),
        (b"\x50\x2a\x4d\x18\x04\x00", Compression.ZSTD),  # skippable frame first (pzstd)
        (b"\xfd7zXZ\x00", Compression.XZ),
        (b"BZh91AY", Compression.BZIP2),
        (b"BZh0xx", Compression.NONE),
        (b"etc/\x00\x00", Compression.NONE),
        (b"", Compression.NONE),
        (b"\x1f", Compression.NONE),
    ],
)
def test_sniff_magic(head: bytes, expected: Compression) -> None:
    assert sniff(head) is expected


@pytest.mark.parametrize("kind", list(Compression))
def test_sniff_recognises_our_own_output(kind: Compression) -> None:
    data = compress(b"x" * 1000 if kind is not Compression.NONE else b"plain tar bytes", kind)
    assert sniff(data[:6]) is kind


@pytest.mark.parametrize("kind", list(Compression))
def test_round_trip(kind: Compression) -> None:
    assert read_all(compress(PAYLOAD, kind)) == PAYLOAD


@pytest.mark.parametrize("kind", list(Compression))
def test_reads_from_a_non_seekable_trickle(kind: Compression) -> None:
    data = compress(PAYLOAD[:50_000], kind)
    assert open_decompressed(Trickle(data)).read() == PAYLOAD[:50_000]  # type: ignore[arg-type]


def test_reads_from_a_real_pipe() -> None:
    data = compress(PAYLOAD, Compression.ZSTD)
    rfd, wfd = os.pipe()

    def feed() -> None:
        with os.fdopen(wfd, "wb") as w:
            w.write(data)

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(rfd, "rb", buffering=0) as r:
        assert open_decompressed(r).read() == PAYLOAD  # type: ignore[arg-type]
    thread.join()


@pytest.mark.parametrize("kind", COMPRESSED)
@pytest.mark.parametrize("keep", [0.5, 0.99, -1, 8])
def test_truncated_stream_is_invalid_archive(kind: Compression, keep: float) -> None:
    data = compress(PAYLOAD, kind)
    cut = int(len(data) * keep) if 0 < keep < 1 else int(keep)
    with pytest.raises(InvalidArchive, match="truncated"):
        read_all(data[:cut])


@pytest.mark.parametrize("kind", COMPRESSED)
def test_corrupt_stream_is_invalid_archive(kind: Compression) -> None:
    data = bytearray(compress(PAYLOAD, kind))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    with pytest.raises(InvalidArchive):
        read_all(bytes(data))


def test_gzip_multi_member() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    assert read_all(data) == b"first second"


def test_zstd_multi_frame_from_the_library() -> None:
    frames = [b"one " * 1000, os.urandom(5000), b"", b"three"]
    plain = zstandard.ZstdCompressor(write_checksum=False, write_content_size=False)
    checked = zstandard.ZstdCompressor(level=19, write_checksum=True)
    data = b"".join((plain if i % 2 else checked).compress(f) for i, f in enumerate(frames))
    assert read_all(data) == b"".join(frames)


def test_zstd_skippable_frames_are_skipped() -> None:
    skippable = (0x184D2A53).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"hello"
    data = skippable + zstandard.ZstdCompressor().compress(b"payload") + skippable
    assert read_all(data) == b"payload"


def test_zstd_cut_anywhere_is_truncated_unless_between_frames() -> None:
    frames = [
        zstandard.ZstdCompressor(write_checksum=True).compress(b"a" * 300 + bytes(range(256)))
    ]
    frames.append(zstandard.ZstdCompressor().compress(b"tail"))
    data = b"".join(frames)
    boundary = len(frames[0])
    for cut in range(4, len(data)):  # shorter than the magic number, it is not zstd at all
        if cut == boundary:
            assert read_all(data[:cut]) == b"a" * 300 + bytes(range(256))
            continue
        with pytest.raises(InvalidArchive, match="truncated"):
            read_all(data[:cut])


@pytest.mark.skipif(shutil.which("zstd") is None, reason="needs the zstd CLI")
def test_zstd_cli_multi_frame_output() -> None:
    parts = [PAYLOAD[:100_000], PAYLOAD[100_000:]]
    data = b"".join(
        subprocess.run(
            ["zstd", "-q", "-c", *flags], input=p, capture_output=True, check=True
        ).stdout
        for p, flags in zip(parts, [["--no-check"], ["-19", "--long=27"]], strict=True)
    )
    assert read_all(data) == PAYLOAD


def test_trailing_garbage_after_gzip_is_invalid() -> None:
    with pytest.raises(InvalidArchive):
        read_all(gzip.compress(b"data") + b"garbage!")


def test_gzip_output_is_deterministic_and_nameless(tmp_path: os.PathLike[str]) -> None:
    outputs = []
    for name in ("a.gz", "b.gz"):
        with open(os.path.join(tmp_path, name), "wb") as f:
            writer = open_compressor(f, Compression.GZIP)  # type: ignore[arg-type]
            writer.write(PAYLOAD)
            writer.close()
        with open(os.path.join(tmp_path, name), "rb") as f:
            outputs.append(f.read())
    assert outputs[0] == outputs[1]
    assert outputs[0][3] == 0  # no FNAME, no FEXTRA flags
    assert outputs[0][4:8] == b"\0\0\0\0"  # mtime 0


def test_compressor_levels_are_used() -> None:
    fast = io.BytesIO()
    writer = open_compressor(fast, Compression.ZSTD, level=1)
    writer.write(PAYLOAD)
    writer.close()
    assert len(fast.getvalue()) != len(compress(PAYLOAD, Compression.ZSTD))
    assert read_all(fast.getvalue()) == PAYLOAD


def test_hashing_reader_counts_and_hashes() -> None:
    reader = HashingReader(io.BytesIO(PAYLOAD))  # type: ignore[arg-type]
    assert reader.read(10) == PAYLOAD[:10]
    assert reader.drain() == len(PAYLOAD) - 10
    assert reader.size == len(PAYLOAD)
    assert reader.digest == "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()
    assert reader.hexdigest == hashlib.sha256(PAYLOAD).hexdigest()


def test_hashing_writer_chain_gives_diffid_and_digest() -> None:
    out = io.BytesIO()
    digest = HashingWriter(out)  # type: ignore[arg-type]
    compressor = open_compressor(digest, Compression.GZIP)  # type: ignore[arg-type]
    diffid = HashingWriter(compressor)
    diffid.write(PAYLOAD)
    compressor.close()
    assert diffid.digest == "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()
    assert diffid.size == len(PAYLOAD)
    assert digest.digest == "sha256:" + hashlib.sha256(out.getvalue()).hexdigest()
    assert digest.size == len(out.getvalue())
