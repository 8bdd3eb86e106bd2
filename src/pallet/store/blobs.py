"""Content-addressed blobs, verified before they are committed.

A blob is written to a temp file under ``tmp/``, hashed as it is written, and renamed into
``blobs/sha256/HEX`` only when its digest (and size, when known) match. A reader therefore never
sees a partial or wrong blob under a digest. Big blobs are hashed and written in a thread of
their own, so that work runs on another core than the caller's (downloading, decompressing,
unpacking the same bytes).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from pallet.errors import BlobNotFound, DigestMismatch, InvalidArgument
from pallet.store.root import StoreRoot
from pallet.store.staging import staging_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator
    from hashlib import _Hash
    from typing import BinaryIO


__all__ = ["BlobStore", "BlobWriter"]

_CHUNK = 1 << 20
_BACKGROUND_MIN = 256 << 10
"""A write this big moves the blob's hashing and writing to a thread (small blobs stay put)."""
_BACKGROUND_DEPTH = 8
"""Writes queued for that thread at most: memory stays bounded when the disk is slower."""


def _hex_of(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64:
        raise InvalidArgument(f"unsupported or malformed digest {digest!r}")
    return hexpart


class BlobWriter:
    """A blob being written. ``commit()`` verifies and publishes it; leaving the ``with``
    block without committing (or on an error) throws the bytes away."""

    def __init__(self, store: BlobStore, expected: str | None, expected_size: int | None) -> None:
        self._store = store
        self.expected = expected
        self.expected_size = expected_size
        import hashlib

        self._hash = hashlib.sha256()
        self.size = 0
        self._tmp = store.root.tmp / staging_name("blob")
        self._fh: BinaryIO | None = open(self._tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        self._background: _Background | None = None
        self.digest = ""

    def write(self, data: bytes | bytearray | memoryview) -> int:
        assert self._fh is not None
        n = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        if self._background is None and n >= _BACKGROUND_MIN:
            self._background = _Background(self._hash, self._fh)
        if self._background is not None:  # bytes only: the caller may reuse its buffer
            self._background.put(data if isinstance(data, bytes) else bytes(data))
        else:
            self._hash.update(data)
            self._fh.write(data)
        self.size += n
        return n

    def digest_so_far(self) -> str:
        """``sha256:…`` of everything written until now."""
        if self._background is not None:
            self._background.wait()
        return f"sha256:{self._hash.hexdigest()}"

    def copy_from(self, src: BinaryIO) -> None:
        """Write everything ``src`` yields."""
        read = src.read
        while chunk := read(_CHUNK):
            self.write(chunk)

    def commit(self, *, durable: bool = False) -> str:
        """Verify and publish; return the digest. Raises DigestMismatch and discards on error."""
        assert self._fh is not None
        error = self._stop_background()
        if error is not None:  # the disk is full, say
            self.abort()
            raise error
        if durable:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        actual = f"sha256:{self._hash.hexdigest()}"
        if self.expected and actual != self.expected:
            self.abort()
            raise DigestMismatch(self.expected, actual)
        if self.expected_size is not None and self.size != self.expected_size:
            self.abort()
            raise DigestMismatch(
                f"{self.expected or actual} ({self.expected_size} bytes)", f"{self.size} bytes"
            )
        target = self._store.path(actual)
        if target.exists():
            self._tmp.unlink(missing_ok=True)
        else:
            os.replace(self._tmp, target)
        self.digest = actual
        return actual

    def _stop_background(self) -> BaseException | None:
        background, self._background = self._background, None
        return background.stop() if background is not None else None

    def abort(self) -> None:
        self._stop_background()
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.digest:
            self.abort()


class _Background:
    """Hashes and writes a blob's chunks, in order, in a thread of its own.

    hashlib and file writes release the GIL for big buffers, so this runs in parallel with the
    writer's caller. An error is kept and raised by the next call from the caller's side.
    """

    def __init__(self, hash: _Hash, fh: BinaryIO) -> None:
        import queue
        import threading

        self._queue: queue.Queue[bytes | None] = queue.Queue(_BACKGROUND_DEPTH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(hash, fh), name="pallet-blob-writer", daemon=True
        )
        self._thread.start()

    def _run(self, hash: _Hash, fh: BinaryIO) -> None:
        while True:
            data = self._queue.get()
            try:
                if data is None:
                    return
                if self._error is None:
                    hash.update(data)
                    fh.write(data)
            except BaseException as e:  # raised again on the caller's side
                self._error = e
            finally:
                self._queue.task_done()

    def put(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def wait(self) -> None:
        """Return once every chunk put so far is hashed and written."""
        self._queue.join()
        if self._error is not None:
            raise self._error

    def stop(self) -> BaseException | None:
        """Finish the queued chunks and end the thread; return the error met, if any."""
        self._queue.put(None)
        self._thread.join()
        return self._error


class BlobStore:
    """The blobs of one store root."""

    def __init__(self, root: StoreRoot) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root.blobs / _hex_of(digest)

    def has(self, digest: str) -> bool:
        try:
            return self.path(digest).is_file()
        except InvalidArgument:
            return False

    def size(self, digest: str) -> int:
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(f"blob {digest} not found in the store") from None

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self.path(digest), "rb")
        except FileNotFoundError:
            raise BlobNotFound(f"blob {digest} not found in the store") from None

    def read(self, digest: str) -> bytes:
        with self.open(digest) as fh:
            return fh.read()

    def writer(self, expected: str | None = None, size: int | None = None) -> BlobWriter:
        """A writer for a new blob; ``expected`` digest and ``size`` are verified on commit."""
        if expected is not None:
            _hex_of(expected)
        return BlobWriter(self, expected, size)

    def put(self, data: bytes, expected: str | None = None) -> str:
        """Store small bytes (a manifest, a config); return their digest."""
        if expected and self.has(expected):
            with self.writer(expected, len(data)) as w:  # still verify what we were given
                w.write(data)
                return w.commit()
        with self.writer(expected) as w:
            w.write(data)
            return w.commit()

    def link_or_copy(self, src: Path, expected: str | None = None) -> str:
        """Store the file at ``src`` (streamed), verifying ``expected`` if given."""
        import shutil

        with open(src, "rb") as fh, self.writer(expected) as w:
            shutil.copyfileobj(fh, w, _CHUNK)  # type: ignore[misc]
            return w.commit()

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:
        try:
            names = os.listdir(self.root.blobs)
        except FileNotFoundError:
            return
        for name in sorted(names):
            if len(name) == 64 and not name.startswith("."):
                yield f"sha256:{name}"
