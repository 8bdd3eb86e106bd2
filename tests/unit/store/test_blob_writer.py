"""BlobWriter hashing and writing big blobs in a thread: same bytes, same checks, no leftovers."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from pathlib import Path

import pytest

from pallet.errors import DigestMismatch
from pallet.store import Store, StoreRoot


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(StoreRoot.at(tmp_path / "root").ensure())


def writer_threads() -> int:
    return sum(t.name == "pallet-blob-writer" for t in threading.enumerate())


def test_big_blob_in_the_background_is_byte_for_byte(store: Store) -> None:
    chunks = [b"small header", *(os.urandom(1 << 20) for _ in range(12)), b"tail"]
    data = b"".join(chunks)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with store.blobs.writer(digest, len(data)) as w:
        for i, chunk in enumerate(chunks):
            w.write(chunk if i % 2 else bytearray(chunk))
            if i == 5:
                so_far = b"".join(chunks[:6])
                assert w.digest_so_far() == "sha256:" + hashlib.sha256(so_far).hexdigest()
        assert w.size == len(data)
        assert w.commit() == digest
    assert store.blobs.read(digest) == data
    assert writer_threads() == 0
    assert list(store.root.tmp.iterdir()) == []


def test_a_reused_buffer_is_copied_before_it_is_queued(store: Store) -> None:
    buf = bytearray(b"a" * (1 << 20))
    with store.blobs.writer() as w:
        w.write(buf)
        buf[:] = b"b" * len(buf)
        w.write(memoryview(buf))
        digest = w.commit()
    assert store.blobs.read(digest) == b"a" * (1 << 20) + b"b" * (1 << 20)


def test_mismatch_after_background_writes_discards(store: Store) -> None:
    wrong = "sha256:" + "0" * 64
    with store.blobs.writer(wrong) as w, pytest.raises(DigestMismatch):
        w.write(os.urandom(1 << 20))
        w.commit()
    assert not store.blobs.has(wrong)
    assert list(store.root.tmp.iterdir()) == []
    assert writer_threads() == 0


def test_abort_with_queued_writes_ends_the_thread(store: Store) -> None:
    with pytest.raises(RuntimeError), store.blobs.writer() as w:
        for _ in range(20):
            w.write(os.urandom(1 << 20))
        raise RuntimeError("the caller failed")
    assert writer_threads() == 0
    assert list(store.root.tmp.iterdir()) == []


class _FullDisk:
    def __init__(self, after: int) -> None:
        self.left = after

    def write(self, data: bytes) -> int:
        self.left -= len(data)
        if self.left < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return len(data)

    def close(self) -> None:
        pass


def test_a_write_error_in_the_background_reaches_the_caller(store: Store) -> None:
    with store.blobs.writer() as w:
        w._fh = _FullDisk(3 << 20)  # type: ignore[assignment]
        with pytest.raises(OSError, match="No space") as error:
            for _ in range(30):
                w.write(os.urandom(1 << 20))
            w.commit()
        assert error.value.errno == errno.ENOSPC
    assert list(store.blobs) == []
    assert list(store.root.tmp.iterdir()) == []
    assert writer_threads() == 0
