"""Layers are staged under a tmp/ that ext4 treats as the top of unrelated directory trees."""

from __future__ import annotations

import errno
import fcntl
import os
import sys
from pathlib import Path

import pytest

from pallet.store import Store, StoreRoot

FS_IOC_GETFLAGS = 0x80086601
FS_TOPDIR_FL = 0x00020000


def flags(path: Path) -> int | None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        buf = bytearray(4)
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, buf)
        return int.from_bytes(buf, sys.byteorder)
    except OSError:
        return None
    finally:
        os.close(fd)


def test_staging_marks_tmp_as_a_top_directory(tmp_path: Path) -> None:
    if flags(tmp_path) is None:
        pytest.skip("this file system has no inode flags")
    store = Store(StoreRoot.at(tmp_path / "root").ensure())
    stage = store.layers.stage()
    assert (stage / "diff").is_dir()
    tmp_flags = flags(store.root.tmp)
    assert tmp_flags is not None
    if not tmp_flags & FS_TOPDIR_FL:
        pytest.skip("this file system does not keep the TOPDIR flag")
    store.layers.stage()  # already marked: nothing changes, nothing fails
    assert flags(store.root.tmp) == tmp_flags


def test_staging_works_where_flags_are_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_flags(*args: object) -> None:
        raise OSError(errno.ENOTTY, "Inappropriate ioctl for device")

    monkeypatch.setattr(fcntl, "ioctl", no_flags)
    store = Store(StoreRoot.at(tmp_path / "root").ensure())
    assert (store.layers.stage() / "diff").is_dir()
