"""Compression sniffing and streaming codecs for layers and image archives.

The format is always told by magic bytes, never by a file name or media type: registries and
``docker save`` output disagree with their labels often enough. Every decompressed reader raises
:class:`~pallet.errors.InvalidArchive` for truncated or corrupt input instead of a codec's own
exception, so callers handle one error for every format.
"""

from __future__ import annotations

import bz2
import enum
import gzip
import io
import lzma
import zlib
from typing import IO, BinaryIO, cast

import zstandard

from pallet.archive._streams import CHUNK, ReadAhead, buffered, read_head
from pallet.errors import InvalidArchive, InvalidArgument

__all__ = ["Compression", "open_compressor", "open_decompressed", "sniff"]


class Compression(enum.Enum):
    """How a stream is compressed; the value is the name used in media types and flags."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"
    XZ = "xz"
    BZIP2 = "bzip2"


_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MASK, _SKIPPABLE_MAGIC = 0xFFFFFFF0, 0x184D2A50
SNIFF_SIZE = 6
"""Bytes :func:`sniff` needs to recognise every format."""


def sniff(head: bytes) -> Compression:
    """Tell the compression of a stream from its first bytes (six are enough)."""
    if head[:2] == b"\x1f\x8b":
        return Compression.GZIP
    if len(head) >= 4:
        magic = int.from_bytes(head[:4], "little")
        if magic == _ZSTD_MAGIC or magic & _SKIPPABLE_MASK == _SKIPPABLE_MAGIC:
            return Compression.ZSTD
    if head[:6] == b"\xfd7zXZ\x00":
        return Compression.XZ
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0":
        return Compression.BZIP2
    return Compression.NONE


class _ZstdFrames:
    """Follows zstd frame and block headers to tell whether a stream stopped mid-frame.

    zstandard's stream reader returns a short read, without error, for truncated input; walking
    the headers costs one small step per 128 KiB block and finds the truncation.
    """

    _MAGIC, _SKIP_SIZE, _DESCRIPTOR, _BLOCK = range(4)

    def __init__(self) -> None:
        self._state = self._MAGIC
        self._want = 4
        self._buf = bytearray()
        self._skip = 0
        self._checksum = False

    @property
    def at_boundary(self) -> bool:
        """True when every frame seen so far is complete."""
        return self._state == self._MAGIC and not self._buf and not self._skip

    def feed(self, data: bytes) -> None:
        view, pos, end = memoryview(data), 0, len(data)
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            take = min(self._want - len(self._buf), end - pos)
            self._buf += view[pos : pos + take]
            pos += take
            if len(self._buf) == self._want:
                header = bytes(self._buf)
                self._buf.clear()
                self._advance(header)

    def _advance(self, header: bytes) -> None:
        value = int.from_bytes(header, "little")
        if self._state == self._MAGIC:
            if value == _ZSTD_MAGIC:
                self._state, self._want = self._DESCRIPTOR, 1
            elif value & _SKIPPABLE_MASK == _SKIPPABLE_MAGIC:
                self._state, self._want = self._SKIP_SIZE, 4
            else:
                raise InvalidArchive("corrupt zstd stream: bad frame magic")
        elif self._state == self._SKIP_SIZE:
            self._state, self._want, self._skip = self._MAGIC, 4, value
        elif self._state == self._DESCRIPTOR:
            single_segment = value >> 5 & 1
            self._checksum = bool(value & 4)
            self._skip = (
                (0 if single_segment else 1)
                + (0, 1, 2, 4)[value & 3]
                + (single_segment, 2, 4, 8)[value >> 6]
            )
            self._state, self._want = self._BLOCK, 3
        else:
            block_type, size = value >> 1 & 3, value >> 3
            self._skip = 1 if block_type == 1 else size
            if value & 1:  # last block of the frame
                self._skip += 4 if self._checksum else 0
                self._state, self._want = self._MAGIC, 4


class _FrameTrackingSource:
    """The compressed source of a zstd reader, showing every byte read to a :class:`_ZstdFrames`."""

    def __init__(self, stream: BinaryIO, frames: _ZstdFrames) -> None:
        self._stream = stream
        self._frames = frames

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._frames.feed(data)
        return data


class _DecompressedReader(io.RawIOBase):
    """A codec's reader whose errors become InvalidArchive, and whose truncation is noticed."""

    def __init__(self, kind: Compression, source: BinaryIO) -> None:
        super().__init__()
        self._kind = kind
        self._frames: _ZstdFrames | None = None
        self._reader: BinaryIO
        if kind is Compression.ZSTD:
            self._frames = _ZstdFrames()
            tracked = _FrameTrackingSource(source, self._frames)
            self._reader = zstandard.ZstdDecompressor().stream_reader(
                cast(IO[bytes], tracked), read_size=CHUNK, read_across_frames=True, closefd=False
            )
        elif kind is Compression.GZIP:
            self._reader = gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[assignment]
        elif kind is Compression.XZ:
            self._reader = lzma.LZMAFile(source)  # type: ignore[assignment]  # noqa: SIM115
        else:
            self._reader = bz2.BZ2File(source)  # type: ignore[assignment]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            n = int(self._reader.readinto(buffer))  # type: ignore[attr-defined]
        except EOFError:
            raise self._truncated() from None
        except (zstandard.ZstdError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as e:
            raise InvalidArchive(f"corrupt {self._kind.value} stream: {e}") from None
        except OSError as e:
            if e.errno is not None:  # a real I/O error from the source, not bz2's "invalid data"
                raise
            raise InvalidArchive(f"corrupt {self._kind.value} stream: {e}") from None
        if n == 0 and len(buffer) and self._frames is not None and not self._frames.at_boundary:
            raise self._truncated()
        return n

    def _truncated(self) -> InvalidArchive:
        return InvalidArchive(f"{self._kind.value} stream is truncated")


def open_decompressed(stream: BinaryIO, *, read_ahead: bool = False) -> BinaryIO:
    """Return a reader of ``stream`` decompressed, whatever its compression (or none).

    Works on pipes: the magic bytes are peeked and handed back. Multi-member gzip and
    multi-frame zstd (``zstd`` CLI output, ``docker save | zstd``) read as one stream. The reader
    is buffered (1 MiB) and raises InvalidArchive on truncated or corrupt input.

    With ``read_ahead``, compressed input is read and decompressed in a thread of its own, a few
    MiB ahead of the reader, on another core (see :class:`~pallet.archive._streams.ReadAhead`):
    for a caller that reads to the end, as nothing else may read ``stream`` meanwhile.
    """
    head = read_head(stream, SNIFF_SIZE)
    source = buffered(head, stream)
    kind = sniff(head)
    if kind is Compression.NONE:
        return source
    decompressed = io.BufferedReader(_DecompressedReader(kind, source), buffer_size=CHUNK)
    if read_ahead:
        return ReadAhead(decompressed)  # type: ignore[arg-type,return-value]
    return decompressed  # type: ignore[return-value]


class _NonClosingWriter(io.RawIOBase):
    """Passes writes through; closing it flushes but leaves the underlying stream open."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._stream.write(data)
        return len(data)

    def flush(self) -> None:
        if not self.closed:
            self._stream.flush()


def open_compressor(
    stream: BinaryIO, compression: Compression, level: int | None = None
) -> BinaryIO:
    """Return a writer that compresses into ``stream``.

    Closing the writer ends the compressed stream but does not close ``stream``. Output is
    deterministic (no names or times in gzip headers), so equal input gives equal digests.
    ``level`` defaults to each codec's usual one (gzip 6, zstd 3).
    """
    if compression is Compression.NONE:
        return _NonClosingWriter(stream)  # type: ignore[return-value]
    if compression is Compression.GZIP:
        gz_level = 6 if level is None else level
        return gzip.GzipFile(  # type: ignore[return-value]
            filename="", mode="wb", compresslevel=gz_level, fileobj=stream, mtime=0
        )
    if compression is Compression.ZSTD:
        compressor = zstandard.ZstdCompressor(
            level=3 if level is None else level, write_checksum=True
        )
        writer: BinaryIO = compressor.stream_writer(stream, closefd=False, write_return_read=True)
        return writer
    if compression is Compression.XZ:
        return lzma.LZMAFile(stream, "wb", preset=level)  # type: ignore[return-value]
    if compression is Compression.BZIP2:
        return bz2.BZ2File(stream, "wb", compresslevel=9 if level is None else level)  # type: ignore[return-value]
    raise InvalidArgument(f"unknown compression {compression!r}")
