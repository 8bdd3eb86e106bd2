"""Test images made locally: a busybox-static rootfs tarball, and a cached Debian rootfs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

__all__ = ["DEBIAN_CACHE", "busybox_tarball", "debian_rootfs_cached"]

DEBIAN_CACHE = Path(os.environ.get("PALLET_TEST_CACHE", "/var/cache/pallet-tests"))


def busybox_tarball(out: Path) -> Path:
    """Write a rootfs tarball of the host's busybox-static to ``out`` (podman-importable)."""
    from pallet.engine.bootstrap import busybox_rootfs

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        busybox_rootfs(root)
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
            for entry in sorted(root.rglob("*")):
                tf.add(entry, arcname=str(entry.relative_to(root)), recursive=False)
    return out


def debian_rootfs_cached(suite: str = "bookworm") -> Path:
    """A debootstrapped minbase rootfs, built once per machine and cached (minutes the first
    time). Returns the directory; the tarball of it is ``<dir>.tar``."""
    target = DEBIAN_CACHE / f"debian-{suite}"
    tarball = target.with_suffix(".tar")
    if tarball.is_file() and (target / "usr/bin/apt-get").exists():
        return target
    DEBIAN_CACHE.mkdir(parents=True, exist_ok=True)
    work = DEBIAN_CACHE / f".debian-{suite}.{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    from pallet.engine.bootstrap import debian_rootfs

    debian_rootfs(work, suite)
    part = tarball.with_suffix(f".tar.{os.getpid()}")
    subprocess.run(
        ["tar", "--numeric-owner", "--xattrs", "-C", str(work), "-cf", str(part), "."], check=True
    )
    shutil.rmtree(target, ignore_errors=True)
    os.rename(work, target)
    os.rename(part, tarball)
    return target
