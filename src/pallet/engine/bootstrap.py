"""Base images without a registry: the host's busybox-static, or Debian from its mirror."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pallet.engine.context import Engine
from pallet.engine.importing import import_tarball
from pallet.errors import InvalidArgument, NotFound, PalletError
from pallet.store.images import ImageRecord

__all__ = ["bootstrap_busybox", "bootstrap_debian", "busybox_rootfs", "debian_rootfs"]

DEBIAN_SUITES = ("bookworm", "trixie", "bullseye", "sid", "stable", "testing", "unstable")


def busybox_rootfs(dest: Path) -> None:
    """A rootfs with the host's static busybox, its applets, and minimal /etc files."""
    busybox = shutil.which("busybox")
    if busybox is None:
        raise NotFound("busybox not found on the host: install busybox-static")
    out = subprocess.run(["file", "-L", busybox], capture_output=True, text=True, check=False)
    if out.returncode == 0 and "dynamically linked" in out.stdout:
        raise InvalidArgument(f"{busybox} is dynamically linked: install busybox-static")
    for d in ("bin", "etc", "tmp", "root", "proc", "sys", "dev", "var", "usr/bin"):
        (dest / d).mkdir(parents=True, exist_ok=True)
    os.chmod(dest / "tmp", 0o1777)
    shutil.copy2(busybox, dest / "bin" / "busybox")
    applets = subprocess.run(
        [str(dest / "bin" / "busybox"), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        if applet != "busybox" and not (dest / "bin" / applet).exists():
            os.symlink("busybox", dest / "bin" / applet)
    (dest / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    )
    (dest / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")


def debian_rootfs(dest: Path, suite: str = "bookworm", mirror: str | None = None) -> None:
    """A minbase Debian rootfs by debootstrap (minutes: callers should cache it)."""
    if shutil.which("debootstrap") is None:
        raise NotFound("debootstrap not found on the host: apt-get install debootstrap")
    cmd = ["debootstrap", "--variant=minbase", suite, str(dest)]
    if mirror:
        cmd.append(mirror)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["failed"]
        raise PalletError(f"debootstrap {suite}: {tail[0]}")
    for sub in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (dest / sub).glob("*"):
            if entry.is_file():
                entry.unlink()


def _import_dir(
    engine: Engine, rootfs: Path, reference: str, changes: list[str], message: str
) -> ImageRecord:
    from pallet.archive import write_tree

    with tempfile.TemporaryFile(dir=engine.root.ensure().tmp) as fh:
        write_tree(rootfs, fh)
        fh.seek(0)
        return import_tarball(engine, fh, reference=reference, changes=changes, message=message)


def bootstrap_busybox(engine: Engine, reference: str = "busybox:latest") -> ImageRecord:
    """``pallet bootstrap busybox [REF]``."""
    with tempfile.TemporaryDirectory(dir=engine.root.ensure().tmp) as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        busybox_rootfs(root)
        return _import_dir(
            engine, root, reference, ['CMD ["sh"]'], "bootstrapped from the host's busybox-static"
        )


def bootstrap_debian(
    engine: Engine,
    suite: str = "bookworm",
    reference: str | None = None,
    *,
    rootfs: Path | None = None,
    mirror: str | None = None,
) -> ImageRecord:
    """``pallet bootstrap debian:SUITE [REF]``; ``rootfs`` reuses a cached debootstrap tree."""
    if suite not in DEBIAN_SUITES:
        raise InvalidArgument(
            f"unknown Debian suite {suite!r}: want one of " + ", ".join(DEBIAN_SUITES)
        )
    ref = reference or f"debian:{suite}"
    if rootfs is not None:
        return _import_dir(engine, rootfs, ref, ['CMD ["bash"]'], f"debootstrap {suite} minbase")
    with tempfile.TemporaryDirectory(dir=engine.root.ensure().tmp) as tmp:
        root = Path(tmp) / "rootfs"
        debian_rootfs(root, suite, mirror)
        return _import_dir(engine, root, ref, ['CMD ["bash"]'], f"debootstrap {suite} minbase")
