"""Fixtures for file-transport interop: a busybox image made in-test and a private podman."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# the in-memory image helpers live beside the unit tests
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "transports"))

from archive_images import MemImage, make_image

RECIPE = Path(os.environ.get("PALLET_SHARED", Path(__file__).parents[4] / "shared"))
CONF = RECIPE / "recipes" / "podman-conf-here.conf"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for tool in ("podman", "skopeo"):
            if tool in item.keywords and shutil.which(tool) is None:
                item.add_marker(pytest.mark.skip(reason=f"{tool} is not installed"))


@pytest.fixture(scope="session")
def rootfs_tar(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A busybox-static rootfs as one uncompressed layer tar (made by pallet's test helper)."""
    from pallet.testing.images import busybox_tarball

    out = tmp_path_factory.mktemp("rootfs") / "rootfs.tar"
    return busybox_tarball(out).read_bytes()


@pytest.fixture(scope="session")
def busybox(rootfs_tar: bytes) -> MemImage:
    """A one-layer busybox image whose layer blob is gzip-compressed."""
    return make_image([rootfs_tar], "gzip", cmd="/bin/sh")


Podman = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def podman() -> Iterator[Podman]:
    """``podman`` on a private vfs store (no mounts to clean up), removed afterwards.

    The store lives in a short /tmp path: podman refuses a runroot longer than 50 characters.
    """
    base = Path(tempfile.mkdtemp(prefix="pallet-podman-", dir="/tmp"))
    env = dict(os.environ)
    if CONF.exists():
        env["CONTAINERS_CONF"] = str(CONF)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [
            "podman",
            "--root",
            str(base / "root"),
            "--runroot",
            str(base / "run"),
            "--storage-driver",
            "vfs",
            *args,
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            raise AssertionError(f"{' '.join(args)} failed: {done.stderr.strip()}")
        return done

    yield run
    shutil.rmtree(base, ignore_errors=True)


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["skopeo", *args], capture_output=True, text=True)
    if done.returncode:
        raise AssertionError(f"skopeo {' '.join(args)} failed: {done.stderr.strip()}")
    return done
