"""Fixtures for real builds: a root with busybox imported, a context directory, and helpers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PalletCLI

pytestmark = pytest.mark.runc


@pytest.fixture(autouse=True)
def _needs_runc() -> None:
    if os.geteuid() != 0 or shutil.which("runc") is None:
        pytest.skip("needs root and runc")


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    """An empty build context directory."""
    d = tmp_path / "ctx"
    d.mkdir()
    return d


Build = Callable[..., "object"]


@pytest.fixture
def build(pallet: PalletCLI, busybox_image: str, ctx: Path) -> Callable[..., object]:
    """``build(dockerfile_text, *flags)``: write the Dockerfile into ``ctx`` and build it."""

    def run(text: str, *flags: str, check: bool = True, env: dict[str, str] | None = None
            ) -> object:  # fmt: skip
        (ctx / "Dockerfile").write_text(text)
        return pallet("build", *flags, str(ctx), check=check, env=env)

    return run


@pytest.fixture(autouse=True)
def _no_mounts_left(root: Path) -> Iterator[None]:
    yield
    mounts = Path("/proc/self/mountinfo").read_text()
    assert str(root) not in mounts, "a build left a mount behind"
