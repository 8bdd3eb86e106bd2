"""Fixtures for the container verbs beyond run/start: a running busybox container, removed
(with every other container of the test's root) afterwards."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any as PalletCLI

import pytest

pytestmark = pytest.mark.runc


@pytest.fixture(autouse=True)
def _need_runc() -> None:
    from pallet.runtime.driver import find_binary

    if os.geteuid() != 0 or find_binary("runc") is None or shutil.which("busybox") is None:
        pytest.skip("needs root, runc and busybox")


@pytest.fixture
def cleanup(pallet: PalletCLI) -> Iterator[None]:
    """Force-remove every container of the test's root at the end."""
    yield
    ids = pallet("ps", "-aq").stdout.split()
    if ids:
        pallet("rm", "-f", *ids)


@pytest.fixture
def ctr(pallet: PalletCLI, busybox_image: str, cleanup: None) -> str:
    """A running busybox container named ``box``."""
    pallet("run", "-d", "--name", "box", busybox_image, "sleep", "1000", check=True)
    return "box"
