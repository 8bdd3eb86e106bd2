"""``exec``: run another process in a running container, as ``docker exec`` does.

The process starts from the container's own (``config.json``): its environment, capabilities,
rlimits and user, then the caller's ``-e``, ``-u``, ``-w`` and ``--privileged`` on top. Without
a terminal the runtime runs in the foreground and its exit status is the process's. With one,
the runtime is detached and hands the pty's master over a console socket (as it does to the
monitor); this process becomes the subreaper that inherits the exec'd process, so it can pump
the terminal and still wait for the exit code.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from pallet.engine.container_records import ContainerRecord, container_dir, resolve_container
from pallet.engine.container_start import DEFAULT_PATH, runtime_for
from pallet.engine.container_state import read_state
from pallet.engine.context import Engine
from pallet.errors import Conflict, InvalidArgument, PalletError

__all__ = ["ExecOptions", "exec_container", "exec_process", "running_container"]

_PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True, slots=True)
class ExecOptions:
    """``docker exec``'s flags, as data. ``env`` items are ``KEY=VALUE`` or ``KEY``."""

    command: tuple[str, ...]
    env: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""
    tty: bool = False
    interactive: bool = False
    detach: bool = False
    privileged: bool = False


def running_container(engine: Engine, name: str) -> ContainerRecord:
    """The container ``name``, which must be running (docker's wording otherwise)."""
    rec = resolve_container(engine, name)
    status = read_state(engine, rec).status
    if status == "paused":
        raise Conflict(f"Container {rec.id} is paused, unpause the container before exec")
    if status != "running":
        raise Conflict(f"container {rec.id} is not running")
    return rec


def exec_process(engine: Engine, rec: ContainerRecord, opts: ExecOptions) -> dict[str, Any]:
    """The runtime-spec ``process`` for ``opts``, based on the container's own process."""
    from pallet.runtime.spec import ALL_CAPABILITIES
    from pallet.runtime.user import resolve_user

    if not opts.command:
        raise InvalidArgument("exec requires at least 1 argument: no command specified")
    cdir = container_dir(engine, rec.id)
    try:
        spec = json.loads((cdir / "config.json").read_text())
    except (OSError, ValueError):
        raise Conflict(f"container {rec.id} is not running") from None
    base: dict[str, Any] = dict(spec.get("process") or {})
    env: dict[str, str] = {}
    for item in base.get("env") or ():
        key, _, val = item.partition("=")
        env[key] = val
    env.setdefault("PATH", DEFAULT_PATH)
    process: dict[str, Any] = {
        key: base[key]
        for key in ("user", "capabilities", "rlimits", "noNewPrivileges", "apparmorProfile")
        if key in base
    }
    if opts.user:
        user = resolve_user(str(cdir / "merged"), opts.user)
        process["user"] = {"uid": user.uid, "gid": user.gid}
        if user.additional_gids:
            process["user"]["additionalGids"] = list(user.additional_gids)
        env["HOME"] = user.home or "/"
    if opts.tty:
        env.setdefault("TERM", "xterm")
    for item in opts.env:
        key, eq, val = item.partition("=")
        if eq:
            env[key] = val
        elif key in os.environ:
            env[key] = os.environ[key]
    if opts.privileged:
        caps = list(ALL_CAPABILITIES)
        process["capabilities"] = {
            "bounding": caps,
            "effective": caps,
            "permitted": caps,
        }
    cwd = opts.workdir or base.get("cwd") or "/"
    if not cwd.startswith("/"):
        raise InvalidArgument(f"the working directory {cwd!r} is invalid, it needs to be absolute")
    process.update(
        terminal=opts.tty,
        args=list(opts.command),
        env=[f"{k}={v}" for k, v in env.items()],
        cwd=cwd,
    )
    return process


def exec_container(
    engine: Engine,
    name: str,
    opts: ExecOptions,
    *,
    stdin: int | None = 0,
    stdout: int = 1,
    stderr: int = 2,
) -> int:
    """Run ``opts.command`` in the running container ``name``; return its exit code.

    ``stdin`` is read only with ``opts.interactive``. Detached, returns 0 once the process has
    started. A command that cannot be found or run raises CommandNotFound (127) or
    CommandCannotInvoke (126).
    """
    rec = running_container(engine, name)
    process = exec_process(engine, rec, opts)
    _check_command(str(container_dir(engine, rec.id) / "merged"), process)
    runtime = runtime_for(engine)
    if opts.detach or not opts.tty:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            if opts.detach:
                process["terminal"] = False
                return runtime.exec(rec.id, process, detach=True, stdio=(null, null, null))
            fd_in = stdin if opts.interactive and stdin is not None else null
            return runtime.exec(rec.id, process, stdio=(fd_in, stdout, stderr))
        finally:
            os.close(null)
    return _exec_tty(engine, rec, process, stdin if opts.interactive else None, stdout)


def _check_command(rootfs: str, process: dict[str, Any]) -> None:
    """Fail as runc would (127 not found, 126 not executable) before the runtime prints its
    own message on the process's stderr; anything uncertain is left to the runtime."""
    import stat

    from pallet.engine.container_cp import resolve_in_root
    from pallet.errors import CommandCannotInvoke, CommandNotFound

    cmd = str(process["args"][0])
    if "/" in cmd:
        candidates = [cmd if cmd.startswith("/") else f"{process['cwd']}/{cmd}"]
    else:
        path = next((e[5:] for e in process["env"] if e.startswith("PATH=")), DEFAULT_PATH)
        candidates = [f"{d or '.'}/{cmd}" for d in path.split(":")]
    for candidate in candidates:
        try:
            st = os.stat(resolve_in_root(rootfs, candidate))
        except (OSError, PalletError):
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return
        if "/" in cmd:
            raise CommandCannotInvoke(f'exec: "{cmd}": permission denied')
    if "/" in cmd:
        raise CommandNotFound(f'exec: "{cmd}": stat {cmd}: no such file or directory')
    raise CommandNotFound(f'exec: "{cmd}": executable file not found in $PATH')


def _set_subreaper(on: bool) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)


def _exec_tty(
    engine: Engine, rec: ContainerRecord, process: dict[str, Any], stdin: int | None, out: int
) -> int:
    """Start ``process`` detached on a new pty, then pump it until the process exits."""
    from pallet.runtime.driver import wait_status

    runtime = runtime_for(engine)
    # a short directory: a socket path must fit in 108 bytes
    tmp = tempfile.mkdtemp(prefix="pallet-exec-")
    sock_path = os.path.join(tmp, "console.sock")
    pid_path = os.path.join(tmp, "pid")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    null = os.open(os.devnull, os.O_RDWR)
    try:
        server.bind(sock_path)
        server.listen(1)
        _set_subreaper(True)
        try:
            runtime.exec(
                rec.id,
                process,
                detach=True,
                tty=True,
                stdio=(null, null, null),
                pid_file=pid_path,
                console_socket=sock_path,
            )
            server.settimeout(10)
            conn, _ = server.accept()
            with conn:
                _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
            with open(pid_path, encoding="ascii") as fh:
                pid = int(fh.read().strip())
            master = fds[0]
            try:
                _pump_tty(master, pid, stdin, out)
            finally:
                os.close(master)
            return wait_status(pid)
        finally:
            _set_subreaper(False)
    finally:
        os.close(null)
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _copy_size(src: int, dst: int) -> None:
    import fcntl
    import termios

    try:
        size = fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(dst, termios.TIOCSWINSZ, size)
    except OSError:
        pass


def _pump_tty(master: int, pid: int, stdin: int | None, out: int) -> None:
    """Copy ``stdin`` to the pty and the pty to ``out`` until the process has exited and its
    output is drained; a terminal on ``stdin`` is put in raw mode and its size followed."""
    restore: list[Any] = []
    terminal = stdin is not None and os.isatty(stdin)
    if terminal:
        import termios
        import tty as ttymod

        assert stdin is not None
        _copy_size(stdin, master)
        restore.append(termios.tcgetattr(stdin))
        ttymod.setraw(stdin)
        if threading.current_thread() is threading.main_thread():
            restore.append(signal.signal(signal.SIGWINCH, lambda *_: _copy_size(stdin, master)))
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(master, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    if stdin is not None:
        poller.register(stdin, select.POLLIN)
    exited = False
    try:
        while True:
            for fd, _ in poller.poll(100 if exited else None):
                if fd == pidfd:
                    exited = True
                    poller.unregister(pidfd)
                elif fd == stdin:
                    data = _read(stdin)
                    if data:
                        _write_all(master, data)
                    else:
                        poller.unregister(stdin)
                elif fd == master:
                    data = _read(master)
                    if not data:
                        return
                    _write_all(out, data)
            if exited and not _readable(master):
                return
    finally:
        os.close(pidfd)
        if terminal:
            import termios

            assert stdin is not None
            termios.tcsetattr(stdin, termios.TCSADRAIN, restore[0])
            if len(restore) > 1:
                signal.signal(signal.SIGWINCH, restore[1])


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO from a pty master once the last slave is closed
        return b""


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            select.select([], [fd], [])
