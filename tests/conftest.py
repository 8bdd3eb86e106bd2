"""Fixtures shared by every test: isolated roots, the pallet CLI, locally made images."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PALLET = [sys.executable, "-m", "pallet"]


class PalletCLI:
    """Runs ``pallet --root ROOT ...`` in a subprocess and returns the completed process."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = False,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        stdin: int | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
        full_env.update(env or {})
        proc = subprocess.run(
            [*PALLET, "--root", str(self.root), *args],
            input=input,
            capture_output=True,
            timeout=timeout,
            env=full_env,
            stdin=stdin,
        )
        out = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"),
        )
        out.stdout_bytes = proc.stdout  # type: ignore[attr-defined]
        if check and proc.returncode != 0:
            raise AssertionError(
                f"pallet {' '.join(args)} failed ({proc.returncode}): {out.stderr}"
            )
        return out


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    """A throwaway store root; removed with its run dir after the test."""
    r = tmp_path / "root"
    r.mkdir()
    yield r
    # whatever a failed test left running goes with its root
    if (r / "containers.json").exists():
        subprocess.run(
            [*PALLET, "--root", str(r), "rm", "-af"], capture_output=True, timeout=120, check=False
        )
    _unmount_under(r)


def _unmount_under(path: Path) -> None:
    prefix = str(path.resolve())
    with open("/proc/self/mountinfo") as fh:
        mounts = [line.split()[4] for line in fh]
    for mnt in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", mnt], check=False, capture_output=True)


@pytest.fixture
def pallet(root: Path) -> PalletCLI:
    return PalletCLI(root)


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rootfs tarball of busybox-static (made once per session)."""
    from pallet.testing.images import busybox_tarball

    return busybox_tarball(tmp_path_factory.mktemp("busybox") / "busybox.tar")


@pytest.fixture
def busybox_image(pallet: PalletCLI, busybox_tar: Path) -> str:
    """``busybox`` imported into this test's root, with CMD sh."""
    pallet("import", "--change", 'CMD ["sh"]', str(busybox_tar), "busybox", check=True)
    return "busybox"


@pytest.fixture(scope="session")
def debian_tar() -> Path:
    """A Debian bookworm minbase rootfs tarball (debootstrapped once per machine, cached)."""
    from pallet.testing.images import debian_rootfs_cached

    return debian_rootfs_cached().with_suffix(".tar")


def require(*tools: str) -> Callable[[object], object]:
    """Skip unless every tool is on PATH (for interop tests with podman, skopeo…)."""
    import shutil

    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


def _leftovers(basetemp: str) -> tuple[list[str], list[int]]:
    """Mounts and processes that belong to this test session's temporary roots (under
    ``basetemp``: another pytest session running at the same time is left alone)."""
    mine = basetemp.rstrip("/").encode() + b"/"
    with open("/proc/self/mountinfo") as fh:
        mounts = [ln.split()[4] for ln in fh if ln.split()[4].startswith(mine.decode())]
    procs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if mine in cmd and b"pytest" not in cmd.split(b"\0")[0]:
            procs.append(int(pid))
    return mounts, procs


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The final check of the suite: no overlay mount, monitor, container or server that a
    test started may outlive it. Whatever is found is reported (failing the run) and removed."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    time_left = 5.0
    import time

    basetemp = str(session.config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
    mounts, procs = _leftovers(basetemp)
    while (mounts or procs) and time_left > 0:  # monitors finish their cleanup just after exit
        time.sleep(0.2)
        time_left -= 0.2
        mounts, procs = _leftovers(basetemp)
    if not mounts and not procs:
        return
    print(
        f"\nLEFTOVERS after the test session: mounts {mounts}, processes {procs}", file=sys.stderr
    )
    import signal

    for pid in procs:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for mnt in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mnt], check=False, capture_output=True)
    session.exitstatus = 1
