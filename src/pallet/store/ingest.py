"""Bringing layers into the store in one pass: the bytes are stored as a verified blob while
they are decompressed and unpacked, and the diffID is hashed on the way.

Nothing is published unless every check passes: the blob digest (and size) the caller
expected, the diffID it expected, and a complete, safe extraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from pallet.archive import Compression, HashingReader, extract_layer, open_decompressed, sniff
from pallet.errors import DigestMismatch, InvalidArchive
from pallet.store.blobs import BlobWriter
from pallet.store.store import Store

__all__ = ["IngestedLayer", "TeeReader", "ingest_layer", "looks_like_tar"]

_CHUNK = 1 << 20


class TeeReader:
    """Reads ``src`` and copies every byte read into a blob writer."""

    def __init__(self, src: BinaryIO, sink: BlobWriter) -> None:
        self._src = src
        self._sink = sink

    def read(self, n: int = -1) -> bytes:
        data = self._src.read(n)
        if data:
            self._sink.write(data)
        return data

    def readinto(self, buf: bytearray | memoryview) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


class PrefixedReader:
    """``head`` followed by the rest of ``src``: lets a caller sniff a non-seekable stream."""

    def __init__(self, head: bytes, src: BinaryIO) -> None:
        self._head = head
        self._src = src

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0:
                data, self._head = self._head + self._src.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._src.read(n)

    def readinto(self, buf: bytearray | memoryview) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True


def peek(src: BinaryIO, n: int = 512) -> tuple[bytes, BinaryIO]:
    """The first ``n`` bytes of ``src``, and a reader that still yields them."""
    head = b""
    while len(head) < n:
        chunk = src.read(n - len(head))
        if not chunk:
            break
        head += chunk
    return head, PrefixedReader(head, src)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class IngestedLayer:
    """A layer now in the store: its blob digest and size, and its diffID."""

    digest: str
    size: int
    diff_id: str
    files: int
    unpacked_size: int
    compression: Compression


def looks_like_tar(head: bytes) -> bool:
    """True when ``head`` (at least 512 decompressed bytes) starts a tar archive."""
    return len(head) >= 262 and head[257:262] == b"ustar"


def ingest_layer(
    store: Store,
    src: BinaryIO,
    *,
    expected: str | None = None,
    size: int | None = None,
    expected_diff_id: str | None = None,
    allow_empty: bool = True,
    keep_compressed: bool | None = None,
) -> IngestedLayer:
    """Store ``src`` (a layer blob, compressed or not) and unpack it, in one pass.

    With ``keep_compressed`` the blob is stored byte for byte as given (digest-preserving);
    without it the blob stored is the uncompressed tar, whose digest is then the diffID.
    By default, gzip and zstd are kept and formats no manifest can name (xz, bzip2) are not.
    """
    head, src = peek(src)
    compression = sniff(head)
    if keep_compressed is None:
        keep_compressed = compression in (Compression.NONE, Compression.GZIP, Compression.ZSTD)
    if compression is Compression.NONE:
        keep_compressed = True
    with store.blobs.writer(
        expected if keep_compressed else None, size if keep_compressed else None
    ) as writer:
        stage = store.layers.stage()
        # When the blob is the uncompressed tar, its digest is the diffID: hash it once.
        plain_blob = compression is Compression.NONE or not keep_compressed
        try:
            hashing: HashingReader | None = None
            if plain_blob:
                tee = TeeReader(src if keep_compressed else open_decompressed(src), writer)
                plain: Any = tee
            else:
                tee = TeeReader(src, writer)
                plain = hashing = HashingReader(open_decompressed(tee))  # type: ignore[arg-type]
            result = extract_layer(plain, stage / "diff", mode="overlay")
            plain.drain()
            tee.drain()
            diff_id = writer.digest_so_far() if hashing is None else hashing.digest
            if not allow_empty and writer.size == 0:
                raise InvalidArchive("not a tar archive: the input is empty")
            if expected_diff_id and diff_id != expected_diff_id:
                raise DigestMismatch(expected_diff_id, diff_id, "layer diffID")
            digest = writer.commit()
            store.layers.commit(stage, diff_id, size=result.bytes, files=result.files)
        except BaseException:
            store.layers.discard(stage)
            raise
    stored = compression if keep_compressed else Compression.NONE
    return IngestedLayer(digest, writer.size, diff_id, result.files, result.bytes, stored)
