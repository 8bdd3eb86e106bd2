"""Unpacked layers, keyed by diffID and shared by every image that has them.

A layer is unpacked into a staging directory under ``tmp/`` and renamed to ``layers/HEX`` in
one step, with its ``layer.json`` already inside: a directory under ``layers/`` is complete.
Layers are unpacked in overlay form (whiteouts as 0:0 character devices and opaque xattrs), so
``layers/HEX/diff`` serves directly as an overlayfs lowerdir.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pallet.errors import InvalidArgument, StoreError
from pallet.store.atomic import read_json
from pallet.store.root import StoreRoot
from pallet.store.staging import staging_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator


__all__ = ["LayerInfo", "LayerStore"]

_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS = 0x80086601, 0x40086602
_FS_TOPDIR_FL = 0x00020000


def _hex(diff_id: str) -> str:
    algo, _, hexpart = diff_id.partition(":")
    if algo != "sha256" or len(hexpart) != 64:
        raise InvalidArgument(f"malformed diffID {diff_id!r}")
    return hexpart


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """What the store knows of an unpacked layer."""

    diff_id: str
    size: int
    files: int


class LayerStore:
    """The unpacked layers of one store root."""

    def __init__(self, root: StoreRoot) -> None:
        self.root = root

    def dir(self, diff_id: str) -> Path:
        return self.root.layers / _hex(diff_id)

    def path(self, diff_id: str) -> Path:
        """The unpacked tree (an overlay lowerdir)."""
        return self.dir(diff_id) / "diff"

    def has(self, diff_id: str) -> bool:
        try:
            return self.dir(diff_id).is_dir()
        except InvalidArgument:
            return False

    def stage(self) -> Path:
        """A fresh staging directory; unpack into ``STAGE/diff``, then ``commit`` it."""
        self.root.tmp.mkdir(parents=True, exist_ok=True)
        _mark_top_of_trees(self.root.tmp)
        stage = self.root.tmp / staging_name("layer")
        (stage / "diff").mkdir(parents=True)
        return stage

    def commit(self, stage: Path, diff_id: str, *, size: int, files: int) -> bool:
        """Publish a staged layer. Returns False (and discards it) if the layer already exists."""
        target = self.dir(diff_id)
        (stage / "layer.json").write_text(
            f'{{"diff_id": "{diff_id}", "size": {size}, "files": {files}}}'
        )
        if target.exists():
            self.discard(stage)
            return False
        try:
            os.rename(stage, target)
        except OSError as exc:
            if target.exists():
                self.discard(stage)
                return False
            raise StoreError(f"cannot commit layer {diff_id}: {exc.strerror}") from None
        return True

    def discard(self, stage: Path) -> None:
        import shutil

        shutil.rmtree(stage, ignore_errors=True)

    def info(self, diff_id: str) -> LayerInfo:
        meta = read_json(self.dir(diff_id) / "layer.json", {}) or {}
        return LayerInfo(diff_id, int(meta.get("size", 0)), int(meta.get("files", 0)))

    def delete(self, diff_id: str) -> None:
        """Remove a layer; renamed away first so no reader sees it half-deleted."""
        src = self.dir(diff_id)
        if not src.exists():
            return
        doomed = self.root.tmp / staging_name("gone")
        os.rename(src, doomed)
        import shutil

        shutil.rmtree(doomed, ignore_errors=True)

    def __iter__(self) -> Iterator[str]:
        try:
            names = os.listdir(self.root.layers)
        except FileNotFoundError:
            return
        for name in sorted(names):
            if len(name) == 64:
                yield f"sha256:{name}"


def _mark_top_of_trees(path: Path) -> None:
    """Tell ext4 that directories made in ``path`` start unrelated trees (``chattr +T``).

    An unpacked layer is such a tree. ext4's Orlov allocator puts a directory made under a
    TOPDIR-flagged one in a block group of its own with free inodes (as it does for directories
    in the file system's root) instead of the parent's group. Every layer staged in ``tmp/``
    otherwise lands in the one group ``tmp/`` is in, so a load right after an ``rmi`` reuses
    just-freed inodes, and ext4 without a journal skips each recently freed inode one by one
    on every file it creates (measured: 0.3 ms a file instead of 0.03 ms). File systems that do
    not know the flag ignore or refuse it; both are fine.
    """
    import fcntl
    import sys

    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        flags = bytearray(4)
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags)
        value = int.from_bytes(flags, sys.byteorder)
        if not value & _FS_TOPDIR_FL:
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, (value | _FS_TOPDIR_FL).to_bytes(4, sys.byteorder))
    except OSError:
        pass
    finally:
        os.close(fd)
