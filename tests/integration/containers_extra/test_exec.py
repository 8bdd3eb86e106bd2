"""``pallet exec``: exit codes, environment, user, working directory, errors, a real pty."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from typing import Any

import pytest

pytestmark = pytest.mark.runc


def test_exit_code_passes_through(pallet: Any, ctr: str) -> None:
    r = pallet("exec", ctr, "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (r.returncode, r.stdout, r.stderr) == (7, "out\n", "err\n")


def test_env_user_workdir(pallet: Any, ctr: str, tmp_path: Any) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("# comment\nFROM_FILE=yes\n")
    r = pallet(
        "exec", "-e", "FOO=bar", "--env-file", str(env_file), "-u", "1000:1000", "-w", "/tmp",
        ctr, "sh", "-c", 'echo "$FOO $FROM_FILE"; id -u; id -g; pwd',
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:4] == ["bar yes", "1000", "1000", "/tmp"]


def test_stdin_with_i(pallet: Any, ctr: str) -> None:
    r = pallet("exec", "-i", ctr, "cat", input=b"piped\n")
    assert (r.returncode, r.stdout) == (0, "piped\n")


def test_not_found_and_not_executable(pallet: Any, ctr: str) -> None:
    r = pallet("exec", ctr, "foo")
    assert r.returncode == 127
    assert 'exec: "foo": executable file not found in $PATH' in r.stderr
    assert r.stderr.count("executable file not found") == 1
    assert pallet("exec", ctr, "/etc/passwd").returncode == 126


def test_detached(pallet: Any, ctr: str) -> None:
    assert pallet("exec", "-d", ctr, "sh", "-c", "echo done > /tmp/flag").returncode == 0
    deadline = time.monotonic() + 10
    while pallet("exec", ctr, "cat", "/tmp/flag").stdout != "done\n":
        assert time.monotonic() < deadline


def test_not_running(pallet: Any, busybox_image: str, cleanup: None) -> None:
    cid = pallet("create", "--name", "idle", busybox_image, "true", check=True).stdout.strip()
    r = pallet("exec", "idle", "true")
    assert r.returncode == 125
    assert r.stderr.strip() == f"Error response from daemon: container {cid} is not running"


def test_tty_interactive(pallet: Any, ctr: str) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
        os.execve(
            sys.executable,
            [sys.executable, "-m", "pallet", "--root", str(pallet.root), "exec", "-it", ctr, "sh"],
            env,
        )
    out = bytearray()

    def read_until(marker: bytes, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while marker not in out and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out.extend(os.read(fd, 4096))
                except OSError:
                    return

    read_until(b"# ")
    os.write(fd, b"tty; echo TERM=$TERM\r")
    read_until(b"TERM=xterm")
    os.write(fd, b"exit 4\r")
    read_until(b"\x00never")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert b"/dev/pts/" in out
    assert b"TERM=xterm" in out
    assert os.waitstatus_to_exitcode(status) == 4
