"""A Debian base image made without a registry, from the cached debootstrap tree."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PalletCLI

pytestmark = [pytest.mark.debian, pytest.mark.runc, pytest.mark.slow]


def test_bootstrap_debian_from_cached_rootfs_runs_apt(pallet: PalletCLI) -> None:
    from pallet.testing.images import debian_rootfs_cached

    rootfs = debian_rootfs_cached()  # debootstrap once per machine, minutes the first time
    pallet("bootstrap", "debian:bookworm", "--rootfs", str(rootfs), check=True)
    info = json.loads(pallet("image", "inspect", "debian:bookworm", check=True).stdout)[0]
    assert info["Config"]["Cmd"] == ["bash"] and info["Size"] > 50_000_000
    out = pallet(
        "run",
        "--rm",
        "debian:bookworm",
        "sh",
        "-c",
        "cat /etc/debian_version; apt-get --version | head -1; id -un",
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith("12.") and out[1].startswith("apt ") and out[2] == "root"
    assert pallet("system", "check").returncode == 0
    bad = pallet("bootstrap", "debian:nosuchsuite")
    assert bad.returncode == 125 and "unknown Debian suite" in bad.stderr
