"""buildah's scripted session with ``buildah`` replaced by ``pallet builder``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PalletCLI

pytestmark = pytest.mark.runc


def test_buildah_session(pallet: PalletCLI, busybox_image: str, root: Path) -> None:
    ctr = pallet("builder", "from", "busybox", check=True).stdout.strip()
    assert ctr == "busybox-working-container"
    mnt = Path(pallet("builder", "mount", ctr, check=True).stdout.strip())
    assert str(mnt).startswith(str(root / "containers"))
    (mnt / "hello.txt").write_text("from the host\n")
    pallet("builder", "config", "--cmd", "cat /hello.txt", "--env", "A=1", ctr, check=True)
    image_id = pallet("builder", "commit", ctr, "myimg", check=True).stdout.strip()
    assert "localhost/myimg" in pallet("images", check=True).stdout
    assert pallet("rmi", "busybox").returncode != 0  # the working container uses it
    assert pallet("run", "--rm", "myimg", check=True).stdout == "from the host\n"
    assert image_id[:12] in pallet("images", check=True).stdout
    pallet("builder", "umount", ctr, check=True)
    pallet("builder", "rm", ctr, check=True)
    assert "busybox-working-container" not in pallet("builder", "ls", check=True).stdout


def test_scratch_with_host_tools(pallet: PalletCLI, root: Path) -> None:
    ctr = pallet("builder", "from", "scratch", check=True).stdout.strip()
    mnt = Path(pallet("builder", "mount", ctr, check=True).stdout.strip())
    busybox = shutil.which("busybox")
    assert busybox is not None
    (mnt / "bin").mkdir()
    shutil.copy2(busybox, mnt / "bin" / "busybox")
    (mnt / "bin" / "sh").symlink_to("busybox")
    (mnt / "bin" / "echo").symlink_to("busybox")
    pallet("builder", "config", "--entrypoint", '["/bin/echo"]', "--cmd", '["minimal"]', ctr,
           check=True)  # fmt: skip
    pallet("builder", "commit", ctr, "minimal", check=True)
    pallet("builder", "rm", "--all", check=True)
    assert pallet("run", "--rm", "minimal", check=True).stdout == "minimal\n"


def test_run_with_host_bind(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / "in.txt").write_text("from a bind mount\n")
    ctr = pallet("builder", "from", "busybox", check=True).stdout.strip()
    pallet("builder", "run", "-v", f"{host}:/mnt/host:ro", ctr, "--", "sh", "-c",
           "cp /mnt/host/in.txt /copied", check=True)  # fmt: skip
    pallet("builder", "copy", ctr, str(host / "in.txt"), "/also/", check=True)
    pallet("builder", "commit", ctr, "bound", check=True)
    pallet("builder", "rm", ctr, check=True)
    out = pallet("run", "--rm", "bound", "sh", "-c", "cat /copied /also/in.txt; test ! -e /mnt",
                 check=True).stdout  # fmt: skip
    assert out == "from a bind mount\nfrom a bind mount\n"
