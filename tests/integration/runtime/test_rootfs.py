"""Overlay mounts: no layer, one layer, many layers with long paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pallet.runtime import rootfs

pytestmark = pytest.mark.runc


def _mounted_under(base: Path) -> bool:
    return str(base) in Path("/proc/self/mountinfo").read_text()


@pytest.mark.parametrize("layers", [0, 1, 3])
def test_overlay_mount_unmount(tmp_path: Path, layers: int) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    lowers = []
    for i in range(layers):
        d = tmp_path / f"l{i}"
        d.mkdir()
        (d / "f").write_text(str(i))
        lowers.append(str(d))
    target = tmp_path / "merged"
    rootfs.mount_overlay(lowers, str(tmp_path / "upper"), str(tmp_path / "work"), str(target))
    try:
        assert rootfs.is_mounted(str(target))
        if layers:
            assert (target / "f").read_text() == "0"  # the first lower is the top-most
        (target / "new").write_text("x")
        assert (tmp_path / "upper" / "new").exists()
    finally:
        rootfs.unmount(str(target))
    assert not rootfs.is_mounted(str(target))
    assert not _mounted_under(tmp_path)


def test_many_layers_beyond_a_page(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    parent = tmp_path / ("x" * 60)
    lowers = []
    for i in range(80):
        d = parent / f"{i:02d}{'y' * 60}" / "diff"
        d.mkdir(parents=True)
        (d / f"f{i}").write_text("")
        lowers.append(str(d))
    assert len(":".join(lowers)) > os.sysconf("SC_PAGESIZE")
    target = tmp_path / "merged"
    rootfs.mount_overlay(lowers, str(tmp_path / "upper"), str(tmp_path / "work"), str(target))
    try:
        assert len(list(target.iterdir())) == 80
    finally:
        rootfs.unmount(str(target))
    assert not _mounted_under(tmp_path)


def test_unmount_not_mounted_is_quiet(tmp_path: Path) -> None:
    rootfs.unmount(str(tmp_path))
