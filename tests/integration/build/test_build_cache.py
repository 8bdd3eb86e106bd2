"""The layer cache proven by side effects, reproducible digests, failures leaving nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PalletCLI

pytestmark = pytest.mark.runc

COUNTING = (
    "FROM busybox\n"
    "COPY a.txt /a.txt\n"
    "RUN --mount=type=cache,target=/count echo a >> /count/runs\n"
    "COPY b.txt /b.txt\n"
    "RUN --mount=type=cache,target=/count echo b >> /count/runs && cat /count/runs > /seen\n"
)


def _runs(root: Path) -> list[str]:
    files = list((root / "build-cache").glob("*/runs"))
    return files[0].read_text().split() if files else []


def test_cache_hits_and_misses(build: Any, ctx: Path, root: Path) -> None:
    (ctx / "a.txt").write_text("a")
    (ctx / "b.txt").write_text("b")
    build(COUNTING, "-t", "c")
    assert _runs(root) == ["a", "b"]
    out = build(COUNTING, "-t", "c").stdout
    assert _runs(root) == ["a", "b"], "a rebuild with nothing changed ran a RUN step"
    assert out.count("--> Using cache") == 4
    (ctx / "b.txt").write_text("B")  # only the second COPY changes: rerun from there
    build(COUNTING, "-t", "c")
    assert _runs(root) == ["a", "b", "b"]
    (ctx / "b.txt").chmod(0o600)  # a mode change is a change
    build(COUNTING, "-t", "c")
    assert _runs(root) == ["a", "b", "b", "b"]
    build(COUNTING, "--no-cache", "-t", "c")
    assert _runs(root) == ["a", "b", "b", "b", "a", "b"]


def test_build_arg_changes_key(build: Any, root: Path) -> None:
    text = "FROM busybox\nARG V=1\nRUN --mount=type=cache,target=/count echo $V >> /count/runs\n"
    build(text)
    build(text)
    build(text, "--build-arg", "V=2")
    assert _runs(root) == ["1", "2"]


def test_reproducible_digest(build: Any, ctx: Path, pallet: PalletCLI) -> None:
    (ctx / "f").write_text("same\n")
    text = "FROM busybox\nCOPY f /f\nRUN echo same > /g && mkdir /d\nENV A=b\n"
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    ids = [build(text, "-q", "--no-cache", env=env).stdout.split()[-1] for _ in range(2)]
    assert ids[0] == ids[1]
    data = json.loads(pallet("image", "inspect", ids[0], check=True).stdout)
    info = data[0] if isinstance(data, list) else data
    assert info["Created"].startswith("2023-11-14T22:13:20")
    assert build(text, "-q", "--no-cache").stdout.split()[-1] != ids[0]


def test_failing_run_leaves_nothing(build: Any, root: Path, pallet: PalletCLI) -> None:
    res = build("FROM busybox\nRUN echo partial > /p && exit 7\n", check=False)
    assert res.returncode == 1
    assert 'Error: building at STEP "RUN echo partial > /p && exit 7"' in res.stderr
    assert "exit status 7" in res.stderr
    assert str(root) not in Path("/proc/self/mountinfo").read_text()
    assert not [p for p in (root / "tmp").iterdir() if p.name.startswith("build")]
    runtime = root / "run" / "runtime"
    assert not runtime.exists() or not [p for p in runtime.iterdir()
                                         if not p.name.startswith(".")]  # fmt: skip


def test_parse_error_points_at_line(build: Any) -> None:
    res = build("FROM busybox\nRUN true\nRUNN nope\n", check=False)
    assert res.returncode == 125
    assert "Dockerfile:3: unknown instruction: RUNN" in res.stderr


def test_hostile_contexts(build: Any, ctx: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("host secret\n")
    (ctx / "escape").symlink_to("../outside")
    (ctx / "abs").symlink_to("/etc/passwd")
    for src in ("escape", "abs"):
        res = build(f"FROM busybox\nCOPY {src} /x\n", check=False)
        assert res.returncode == 125 and "file not found in build context" in res.stderr
    (ctx / "real").write_text("ok\n")
    (ctx / ".dockerignore").write_text("*\n")
    res = build("FROM busybox\nCOPY real /x\n", check=False)
    assert res.returncode == 125 and "excluded by .dockerignore" in res.stderr
    build('FROM busybox\nCOPY . /all/\nRUN test -z "$(ls -A /all)"\n')
