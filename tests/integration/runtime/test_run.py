"""Running containers for real with runc, through the monitor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pallet.errors import CommandCannotInvoke, CommandNotFound
from pallet.runtime import logs
from pallet.runtime.attach import connect
from pallet.runtime.monitor import RestartPolicy, monitor_alive, read_exit, request_stop

from .conftest import Box, _wait_gone

pytestmark = pytest.mark.runc


def run(box: Box, *args: str, **kw: object) -> tuple[int | None, bytes, bytes]:
    """Run attached, as ``pallet run`` does; return (code, stdout, stderr)."""
    _, cdir = box.spawn(tuple(args), attach=True, **kw)  # type: ignore[arg-type]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with connect(cdir) as client:
        code = client.pump(None, out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r, "rb") as o, os.fdopen(err_r, "rb") as e:
        return code, o.read(), e.read()


def test_true(box: Box) -> None:
    assert run(box, "/bin/true") == (0, b"", b"")


def test_exit_code_and_streams(box: Box) -> None:
    code, out, err = run(box, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (code, out, err) == (3, b"out\n", b"err\n")


def test_command_not_found(box: Box) -> None:
    with pytest.raises(CommandNotFound) as info:
        box.spawn(("foo",))
    assert str(info.value) == 'exec: "foo": executable file not found in $PATH'
    assert info.value.exit_code == 127


def test_command_not_executable(box: Box) -> None:
    with pytest.raises(CommandCannotInvoke) as info:
        box.spawn(("/bin/noexec",))
    assert info.value.exit_code == 126


def test_log_file_has_stream_tags(box: Box) -> None:
    cid, cdir, cleanup = box.prepare(("sh", "-c", "echo out; echo err >&2; printf part"))
    from pallet.runtime.monitor import MonitorOptions, spawn

    log = str(box.base / f"{cid}.log")
    spawn(MonitorOptions(cid, cdir, cdir, box.runtime, cleanup=cleanup, log_path=log))
    _wait_gone(cdir)
    lines = Path(log).read_bytes().splitlines()
    tags = sorted(line.split(b" ", 1)[1] for line in lines)
    assert tags == [b"stderr F err", b"stdout F out", b"stdout P part"]
    assert lines[0][:4].isdigit() and lines[0].split(b" ")[0].endswith(b"Z")
    assert sorted(logs.read(log)) == [("stderr", b"err\n"), ("stdout", b"out\n"),
                                      ("stdout", b"part")]  # fmt: skip


def test_tty_through_console_socket(box: Box) -> None:
    code, out, _ = run(box, "sh", "-c", "tty; echo hi", spec={"terminal": True}, terminal=True)
    assert code == 0
    assert b"/dev/pts/0\r\nhi\r\n" in out


def test_stdin_forwarding(box: Box) -> None:
    _, cdir = box.spawn(("sh", "-c", "read line; echo got:$line; cat"), stdin=True, attach=True)
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(in_w, b"hello\nrest\n")
    os.close(in_w)  # EOF closes the container's stdin, so cat ends
    with connect(cdir) as client:
        code = client.pump(in_r, out_w, 2)
    os.close(out_w)
    assert code == 0
    assert os.read(out_r, 1000) == b"got:hello\nrest\n"


def test_detached_survives_parent_and_stop(box: Box) -> None:
    # pid 1 ignores signals it has no handler for: the shell traps TERM as a real service would
    cid, cdir, cleanup = box.prepare(
        ("sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done")
    )
    from pallet.runtime.monitor import MonitorOptions, spawn

    pid = os.fork()
    if pid == 0:  # a CLI that spawns the monitor and exits at once, as `run -d` does
        try:
            spawn(MonitorOptions(cid, cdir, cdir, box.runtime, cleanup=cleanup))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert monitor_alive(cdir)
    assert box.runtime.state(cid).status == "running"
    started = json.loads(Path(cdir, "started").read_text())
    assert started["pid"] > 0
    assert request_stop(cdir)
    with connect(cdir) as client:
        box.runtime.kill(cid, "TERM")
        code = client.wait()
    assert code == 7


def test_restart_on_failure(box: Box) -> None:
    cid, cdir, cleanup = box.prepare(("sh", "-c", "echo run; exit 1"))
    from pallet.runtime.monitor import MonitorOptions, spawn

    log = str(box.base / "restart.log")
    seen = {}

    def keep() -> None:
        status = read_exit(cdir)
        seen["exit"] = status
        cleanup()

    spawn(MonitorOptions(cid, cdir, cdir, box.runtime, cleanup=keep, log_path=log,
                         restart=RestartPolicy("on-failure", 2)))  # fmt: skip
    _wait_gone(cdir)
    assert [d for _, d in logs.read(log)] == [b"run\n"] * 3
    assert Path(log).read_bytes().count(b"stdout F run") == 3


def test_restart_status_in_exit_file(box: Box) -> None:
    _, cdir = box.spawn(("sh", "-c", "exit 2"), restart=RestartPolicy("on-failure", 1),
                          attach=True)  # fmt: skip
    with connect(cdir) as client:
        code = client.wait()
    assert code == 2


def test_pause_resume_exec_kill(box: Box) -> None:
    cid, cdir = box.spawn(("sleep", "60"))
    rt = box.runtime
    rt.pause(cid)
    assert rt.state(cid).status == "paused"
    rt.resume(cid)
    assert rt.state(cid).status == "running"
    assert rt.state(cid).pid in rt.ps(cid)
    r, w = os.pipe()
    proc = {"args": ["sh", "-c", "echo in-container; exit 4"], "cwd": "/",
            "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}  # fmt: skip
    assert rt.exec(cid, proc, stdio=(0, w, w)) == 4
    os.close(w)
    assert os.read(r, 100) == b"in-container\n"
    os.close(r)
    with pytest.raises(CommandNotFound):
        rt.exec(cid, {**proc, "args": ["nope"]}, stdio=(0, 1, 2))
    request_stop(cdir)
    with connect(cdir) as client:
        rt.kill(cid, "KILL")
        assert client.wait() == 137


def test_dead_monitor_is_detectable_and_removable(box: Box) -> None:
    cid, cdir = box.spawn(("sleep", "60"))
    mpid = int(Path(cdir, "monitor.pid").read_text().split()[0])
    os.kill(mpid, 9)
    deadline = time.monotonic() + 5
    while monitor_alive(cdir) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not monitor_alive(cdir)
    assert box.runtime.state(cid).status == "running"
    # rm -f: the runtime kills and forgets it; the caller unmounts and removes the dirs
    box.runtime.delete(cid, force=True)
    from pallet.runtime import rootfs

    rootfs.unmount(os.path.join(cdir, "rootfs"))
    import shutil

    shutil.rmtree(cdir)
    shutil.rmtree(box.base / "s" / cid)


def test_ten_at_once(box: Box) -> None:
    from pallet.runtime.monitor import MonitorOptions, spawn

    results = box.base / "exits"
    results.mkdir()
    dirs = []
    for i in range(10):
        cid, cdir, cleanup = box.prepare(("sh", "-c", f"sleep 0.2; exit {i}"))

        def keep(cid: str = cid, cdir: str = cdir, cleanup: object = cleanup) -> None:
            os.replace(os.path.join(cdir, "exit"), results / cid)
            cleanup()  # type: ignore[operator]

        spawn(MonitorOptions(cid, cdir, cdir, box.runtime, cleanup=keep))
        dirs.append((cid, cdir))
    for _, cdir in dirs:
        _wait_gone(cdir)
    codes = [json.loads((results / cid).read_text())["code"] for cid, _ in dirs]
    assert codes == list(range(10))
