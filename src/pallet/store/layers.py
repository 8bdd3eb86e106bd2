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
