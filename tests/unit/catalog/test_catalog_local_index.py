"""The local route index: three routes per entry, atomic rewrites, stale entries dropped."""

from __future__ import annotations

import json
from pathlib import Path

from pallet.catalog.local_index import IndexEntry, LocalIndex, artifact_path


def _entry(name: str = "base", digest: str = "d" * 64) -> IndexEntry:
    return IndexEntry(
        name=name,
        digest=digest,
        context_hash="c" * 64,
        image_id="sha256:" + "1" * 64,
        tag=f"{name}:{'c' * 64}",
        pushed="2024-05-17T09:30:00+00:00",
        artifact="/x/image.tar.zst",
    )


def test_record_writes_three_routes(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path)
    routes = index.record(_entry())
    assert routes == (f"base.hash.{'d' * 64}", "base.latest", "base.pushdate.2024.05-17-093000")
    assert index.find("base.latest") == _entry()
    assert index.find_digest("base", "d" * 64) == _entry()
    assert index.find_digest("base", "e" * 64) is None
    raw = json.loads((tmp_path / "catalog" / "index.json").read_text())
    assert raw["version"] == 1 and sorted(raw["routes"]) == sorted(routes)


def test_latest_moves_and_hash_routes_stay(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path)
    index.record(_entry(digest="d" * 64))
    newer = _entry(digest="e" * 64)
    index.record(newer)
    assert index.find("base.latest") == newer
    assert index.find_digest("base", "d" * 64) is not None


def test_forget_drops_every_route_of_a_digest(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path)
    index.record(_entry(digest="d" * 64))
    index.record(_entry(name="other"))
    index.forget("base", "d" * 64)
    assert sorted({e.name for e in index.routes().values()}) == ["other"]


def test_missing_index_is_empty_and_artifacts_are_per_digest(tmp_path: Path) -> None:
    assert LocalIndex(tmp_path).routes() == {}
    path = artifact_path(tmp_path, "base", "d" * 64)
    assert path == tmp_path / "catalog" / "artifacts" / "base" / ("d" * 64) / "image.tar.zst"
