"""Fixtures for the in-process API: a client on the test's root (the same store the ``pallet``
CLI fixture uses), with every container it leaves behind force-removed afterwards."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runc


@pytest.fixture(autouse=True)
def _need_runc() -> None:
    from pallet.runtime.driver import find_binary

    if os.geteuid() != 0 or find_binary("runc") is None or shutil.which("busybox") is None:
        pytest.skip("needs root, runc and busybox")


@pytest.fixture
def client(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``pallet.from_env(root=...)`` on the test's root; containers are removed afterwards."""
    for key in [k for k in os.environ if k.startswith("PALLET_")]:
        monkeypatch.delenv(key)
    import pallet

    c = pallet.from_env(root=root)
    yield c
    c = pallet.from_env(root=root)
    for ctr in c.containers.list(all=True):
        ctr.remove(force=True)
    c.close()


@pytest.fixture
def busybox(client: Any, busybox_image: str) -> str:
    """The busybox image, imported by the CLI into the client's root."""
    return busybox_image
