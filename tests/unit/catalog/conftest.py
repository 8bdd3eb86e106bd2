"""Helpers for catalog tests: generated source trees."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

Spec = Mapping[str, "str | bytes | tuple[str | bytes, int]"]
TreeMaker = Callable[[Spec], Path]


def write_tree(root: Path, files: Spec) -> Path:
    """Write ``files`` (path -> text, bytes, or (content, mode)) under ``root``."""
    for relative, content in files.items():
        mode = None
        if isinstance(content, tuple):
            content, mode = content
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        if mode is not None:
            os.chmod(path, mode)
    return root


@pytest.fixture
def tree(tmp_path: Path) -> TreeMaker:
    """Make a source tree in a fresh directory; returns its top."""
    root = tmp_path / "src"
    root.mkdir()
    return lambda files: write_tree(root, files)
