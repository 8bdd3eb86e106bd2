import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest

from pallet.errors import DigestMismatch, ImageNotFound
from pallet.oci import mediatypes as mt
from pallet.store import Store, StoreRoot
from pallet.store.images import ImageRecord, resolve_in
from pallet.store.staging import clean_stale, staging_name


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(StoreRoot.at(tmp_path / "root").ensure())


def test_blob_writer_verifies_before_publishing(store: Store) -> None:
    good = store.blobs.put(b"hello")
    assert store.blobs.read(good) == b"hello"
    wrong = "sha256:" + "0" * 64
    with pytest.raises(DigestMismatch):
        store.blobs.put(b"hello!", wrong)
    assert not store.blobs.has(wrong)
    assert list(store.root.tmp.iterdir()) == []  # nothing staged is left behind


def test_blob_writer_checks_size(store: Store) -> None:
    with store.blobs.writer(size=3) as w, pytest.raises(DigestMismatch):
        w.write(b"four")
        w.commit()
    assert list(store.blobs) == []


def test_layer_commit_is_atomic_and_idempotent(store: Store) -> None:
    diff = "sha256:" + "1" * 64
    stage = store.layers.stage()
    (stage / "diff" / "f").write_text("x")
    assert store.layers.commit(stage, diff, size=1, files=1)
    again = store.layers.stage()
    assert not store.layers.commit(again, diff, size=1, files=1)
    assert not again.exists()
    assert store.layers.info(diff).files == 1
    store.layers.delete(diff)
    assert not store.layers.has(diff)


def _hex(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def _record(i: int, names: tuple[str, ...] = ()) -> ImageRecord:
    return ImageRecord(
        id=f"sha256:{_hex(i)}",
        manifest_digest=f"sha256:{_hex(-i)}",
        manifest_media_type=mt.OCI_MANIFEST,
        names=names,
        created=f"2024-01-0{i}T00:00:00Z",
    )


def test_resolution_by_name_id_prefix_and_short_name() -> None:
    recs = {
        r.id: r
        for r in [
            _record(1, ("localhost/app:latest",)),
            _record(2, ("docker.io/library/debian:12",)),
            _record(3, ("quay.io/team/tool:1",)),
        ]
    }
    assert resolve_in(recs, "app").names == ("localhost/app:latest",)
    assert resolve_in(recs, "debian:12").names == ("docker.io/library/debian:12",)
    assert resolve_in(recs, "tool:1").names == ("quay.io/team/tool:1",)
    assert resolve_in(recs, _hex(3)[:12]).id == f"sha256:{_hex(3)}"
    with pytest.raises(ImageNotFound, match="No such image: nope"):
        resolve_in(recs, "nope")
    with pytest.raises(ImageNotFound):
        resolve_in(recs, "tool:2")


def _tag_many(root: str, start: int) -> None:
    store = Store(StoreRoot.at(root))
    for i in range(start, start + 25):
        with store.images.transaction() as records:
            records[f"sha256:{_hex(i)}"] = _record(i)


def test_concurrent_writers_never_lose_records(tmp_path: Path) -> None:
    root = StoreRoot.at(tmp_path / "root").ensure()
    procs = [
        multiprocessing.Process(target=_tag_many, args=(str(root.path), s))
        for s in (1, 100, 200, 300)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    data = json.loads(root.images_file.read_text())
    assert len(data["images"]) == 100


def test_clean_stale_removes_only_dead_writers(store: Store) -> None:
    mine = store.root.tmp / staging_name("blob")
    mine.write_text("x")
    dead = store.root.tmp / "blob-999999999-abcdef"
    dead.write_text("x")
    assert clean_stale(store.root.tmp) == ["blob-999999999-abcdef"]
    assert mine.exists()
