"""The first seed workflow: load a ``docker save | zstd`` archive, inspect it, run a CI command
in it with the checkout where the CI tasks expect it, as the checkout's owner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PalletCLI, require

pytestmark = [pytest.mark.runc]

CHECKOUT = "/builds/worker/checkouts/gecko"


def _pallet_save_zstd(pallet: PalletCLI, tmp_path: Path) -> Path:
    """``pallet save --format docker-archive busybox | zstd``."""
    import zstandard

    saved = pallet("save", "--format", "docker-archive", "busybox", check=True)
    out = tmp_path / "image.tar.zst"
    out.write_bytes(zstandard.ZstdCompressor(level=3).compress(saved.stdout_bytes))  # type: ignore[attr-defined]
    return out


def _podman_save_zstd(pallet: PalletCLI, tmp_path: Path) -> Path:
    """The real thing: podman loads the image, then ``podman save | zstd``."""
    short = Path(tempfile.mkdtemp(prefix="plt-podman-", dir="/tmp"))  # runroot <= 50 chars
    storage = ["--root", str(short / "s"), "--runroot", str(short / "r"), "--storage-driver", "vfs"]
    try:
        tar = tmp_path / "busybox.tar"
        pallet("save", "--format", "docker-archive", "-o", str(tar), "busybox", check=True)
        subprocess.run(
            ["podman", *storage, "load", "-i", str(tar)], check=True, capture_output=True
        )
        out = tmp_path / "image.tar.zst"
        with out.open("wb") as fh:
            save = subprocess.Popen(
                ["podman", *storage, "save", "--format", "docker-archive", "localhost/busybox"],
                stdout=subprocess.PIPE,
            )
            subprocess.run(["zstd", "-q", "-c"], stdin=save.stdout, stdout=fh, check=True)
            assert save.wait() == 0
        return out
    finally:
        subprocess.run(["podman", *storage, "system", "reset", "-f"], capture_output=True)
        shutil.rmtree(short, ignore_errors=True)


def _seed(pallet: PalletCLI, archive: Path, tmp_path: Path) -> None:
    machine = PalletCLI(tmp_path / "fresh-root")
    loaded = machine("catalog", "load", str(archive), check=True)
    assert "Loaded image: localhost/busybox:latest" in loaded.stdout
    inspect = machine("inspect", "--type", "image", "busybox", check=True)
    assert json.loads(inspect.stdout)[0]["Config"]["Cmd"] == ["sh"]

    checkout = tmp_path / "gecko"
    checkout.mkdir()
    (checkout / "mach").write_text("#!/bin/sh\necho mach ran\n")
    for path in (checkout, checkout / "mach"):
        os.chown(path, 1234, 1234)
    owner = f"{checkout.stat().st_uid}:{checkout.stat().st_gid}"
    run = machine(
        "run", "--rm", "-v", f"{checkout}:{CHECKOUT}", "-w", CHECKOUT, "-u", owner,
        "busybox", "sh", "-c", "id -u; sh ./mach; echo built > obj.txt",
        check=True,
    )  # fmt: skip
    assert run.stdout == "1234\nmach ran\n"
    made = checkout / "obj.txt"
    assert made.read_text() == "built\n"
    assert (made.stat().st_uid, made.stat().st_gid) == (1234, 1234)


def test_seed_from_pallet_save_zstd(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    _seed(pallet, _pallet_save_zstd(pallet, tmp_path), tmp_path)


@pytest.mark.podman
@require("podman", "zstd")
def test_seed_from_podman_save_zstd(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    _seed(pallet, _podman_save_zstd(pallet, tmp_path), tmp_path)
