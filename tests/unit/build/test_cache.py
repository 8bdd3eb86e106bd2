"""Cache keys are a pure function of parent, expanded instruction, args and content."""

from __future__ import annotations

from pathlib import Path

from pallet.build import instructions as ins
from pallet.build import parse
from pallet.build.cache import CacheIndex, cache_key
from pallet.build.context import BuildContext
from pallet.build.ignore import IgnoreMatcher


def _inst(text: str) -> ins.Instruction:
    return parse(f"FROM scratch\n{text}\n").instructions[1]


def test_key_ignores_position_but_not_content() -> None:
    a = _inst("RUN echo hi")
    moved = parse("FROM scratch\n\n\nRUN echo hi\n").instructions[1]
    assert cache_key("sha256:p", a) == cache_key("sha256:p", moved)
    assert cache_key("sha256:p", a) != cache_key("sha256:q", a)
    assert cache_key("sha256:p", a) != cache_key("sha256:p", _inst("RUN echo ho"))
    assert cache_key("sha256:p", a, args={"V": "1"}) != cache_key("sha256:p", a, args={"V": "2"})
    copy = _inst("COPY f /f")
    assert cache_key("p", copy, content="sha256:1") != cache_key("p", copy, content="sha256:2")


def test_key_golden() -> None:
    key = cache_key("sha256:" + "0" * 64, _inst("ENV A=1"))
    assert key == cache_key("sha256:" + "0" * 64, _inst("ENV A=1"))
    assert key.startswith("sha256:") and len(key) == 71


def test_index_round_trip(tmp_path: Path) -> None:
    index = CacheIndex(tmp_path / "build-cache.json")
    index.put("k1", "sha256:a")
    index.save()
    again = CacheIndex(tmp_path / "build-cache.json")
    assert again.get("k1") == "sha256:a"
    again.put("k2", "sha256:b")
    again.save(keep={"sha256:b"})
    assert CacheIndex(tmp_path / "build-cache.json").entries == {"k2": "sha256:b"}


def test_context_digest_sees_modes_and_bytes_not_mtimes(tmp_path: Path) -> None:
    import os

    (tmp_path / "d").mkdir()
    f = tmp_path / "d" / "f"
    f.write_text("one")
    ctx = BuildContext(tmp_path)
    first = ctx.digest(ctx.resolve("d"))
    os.utime(f, (1, 1))
    assert ctx.digest(ctx.resolve("d")) == first
    f.chmod(0o600)
    assert ctx.digest(ctx.resolve("d")) != first
    f.write_text("two")
    assert ctx.digest(ctx.resolve("d")) != first


def test_context_confines_symlinks_and_ignores(tmp_path: Path) -> None:
    import pytest

    from pallet.errors import BuildError

    ctx_dir = tmp_path / "ctx"
    ctx_dir.mkdir()
    (tmp_path / "secret").write_text("x")
    (ctx_dir / "up").symlink_to("../secret")
    (ctx_dir / "keep.txt").write_text("k")
    (ctx_dir / "drop.log").write_text("d")
    ctx = BuildContext(ctx_dir, IgnoreMatcher.from_text("*.log\n"))
    with pytest.raises(BuildError, match="not found in build context"):
        ctx.resolve("up")
    with pytest.raises(BuildError, match="excluded"):
        ctx.resolve("drop.log")
    assert [s.name for s in ctx.resolve("*")] == ["keep.txt"]
