"""Fixtures for running real containers with runc on a busybox-static rootfs.

Every container a test makes is torn down by its monitor's cleanup hook (or by the fixture),
and ``_nothing_left`` checks after each test that no mount, runtime state or monitor remains.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pallet.runtime import rootfs
from pallet.runtime.driver import SubprocessRuntime, find_binary
from pallet.runtime.monitor import MonitorOptions, monitor_alive, spawn
from pallet.runtime.seccomp import default_seccomp
from pallet.runtime.spec import SpecOptions, build_spec, effective_capabilities

BUSYBOX = shutil.which("busybox") or "/usr/bin/busybox"
RUNC = find_binary("runc")

pytestmark = pytest.mark.runc


def _need_runc() -> None:
    if RUNC is None or os.geteuid() != 0 or not os.path.exists(BUSYBOX):
        pytest.skip("needs root, runc and a static busybox")


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer image: the host's static busybox with its applets as symlinks."""
    _need_runc()
    root = tmp_path_factory.mktemp("busybox") / "layer"
    for d in ("bin", "etc", "tmp", "root"):
        (root / d).mkdir(parents=True)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    import subprocess

    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (root / "bin" / applet).symlink_to("busybox")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\n")
    (root / "bin" / "noexec").write_text("echo not executable\n")
    return root


@dataclass
class Box:
    """One test's run root, runtime and containers."""

    base: Path
    runtime: SubprocessRuntime
    lower: Path
    made: list[str] = field(default_factory=list)

    def prepare(self, args: tuple[str, ...], **spec: Any) -> tuple[str, str, Callable[[], None]]:
        """Mount a rootfs and write config.json; return (id, container dir, cleanup)."""
        cid = "pt-" + uuid.uuid4().hex[:12]
        cdir = self.base / "c" / cid
        store = self.base / "s" / cid
        cdir.mkdir(parents=True)
        target = str(cdir / "rootfs")
        rootfs.mount_overlay([str(self.lower)], str(store / "upper"), str(store / "work"), target)
        caps = effective_capabilities(spec.get("cap_add", ()), spec.get("cap_drop", ()))
        opts = SpecOptions(args=args, rootfs=target, seccomp=default_seccomp(caps), **spec)
        (cdir / "config.json").write_text(json.dumps(build_spec(opts)))
        self.made.append(cid)

        def cleanup() -> None:
            rootfs.unmount(target)
            shutil.rmtree(cdir, ignore_errors=True)
            shutil.rmtree(store, ignore_errors=True)

        return cid, str(cdir), cleanup

    def spawn(self, args: tuple[str, ...], *, spec: dict[str, Any] | None = None,
              **mon: Any) -> tuple[str, str]:  # fmt: skip
        """Prepare and start a container under a monitor that cleans it all up at the end."""
        cid, cdir, cleanup = self.prepare(args, **(spec or {}))
        opts = MonitorOptions(cid, cdir, cdir, self.runtime, cleanup=cleanup, **mon)
        try:
            spawn(opts)
        except Exception:
            _wait_gone(cdir)
            raise
        return cid, cdir


def _wait_gone(cdir: str) -> None:
    """Wait (by connecting to the attach socket, else the monitor pid) until a monitor ends."""
    from pallet.runtime.attach import connect

    try:
        connect(cdir).wait()
    except Exception:
        pass
    import time

    deadline = time.monotonic() + 10
    while os.path.exists(cdir) and monitor_alive(cdir) and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def box(busybox_rootfs: Path, tmp_path: Path) -> Iterator[Box]:
    """A private run root with runc state under it; checked empty afterwards."""
    assert RUNC is not None
    base = Path(tmp_path)
    b = Box(base, SubprocessRuntime(RUNC, str(base / "runc")), busybox_rootfs)
    yield b
    _nothing_left(b)


def _runc_states(state: Path) -> list[Path]:
    return [p for p in state.iterdir() if not p.name.startswith(".")] if state.exists() else []


def _nothing_left(b: Box) -> None:
    for cid in b.made:
        cdir = b.base / "c" / cid
        if cdir.exists():  # a test that left a container running: stop it, then complain
            try:
                b.runtime.delete(cid, force=True)
            except Exception:
                pass
            _wait_gone(str(cdir))
    mounts = Path("/proc/self/mountinfo").read_text()
    assert str(b.base) not in mounts, "mounts left behind"
    # the monitor removes runc's state just after it lets its clients go
    state = b.base / "runc"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _runc_states(state):
        time.sleep(0.01)
    assert not _runc_states(state)
    for cid in b.made:
        assert not (b.base / "c" / cid).exists(), f"container dir {cid} left behind"
    deadline = time.monotonic() + 3  # a monitor closes its socket just before it exits
    while _processes_under(b.base) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _processes_under(b.base), "monitor or container processes left behind"


def _processes_under(base: Path) -> list[int]:
    """Pids whose cwd or root is under ``base`` (monitors live in their container dir)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        for link in ("cwd", "root"):
            try:
                target = os.readlink(f"/proc/{entry}/{link}")
            except OSError:
                continue
            if target.startswith(str(base)):
                found.append(int(entry))
    return found
