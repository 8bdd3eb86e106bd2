"""``/containers/{id}/exec``, ``/exec/{id}/start`` (hijacked), ``/exec/{id}/json``,
``/exec/{id}/resize``.

Without a tty the engine's ``exec_container`` runs in a thread with pipes for stdio, pumped
to the client as multiplexed frames. With a tty, ``pallet exec -t`` runs in a child process
on a pty of this service's making: the engine's tty exec makes its process a child
subreaper, a process-wide setting that must not change under a threaded server.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.routes.attach import wants_upgrade
from pallet.api.streams import mux
from pallet.engine.container_exec import ExecOptions
from pallet.errors import CommandCannotInvoke, CommandNotFound, PalletError

if TYPE_CHECKING:
    from pallet.api.service import Service


#: Finished exec instances kept for ``GET /exec/{id}/json`` (Docker keeps them until the
#: container goes; clients read the exit code right after the stream ends).
_KEEP_FINISHED = 256


@dataclass(slots=True)
class ExecSession:
    """One exec instance, from create to its exit code."""

    id: str
    container_id: str
    options: ExecOptions
    stdin: bool
    stdout: bool
    stderr: bool
    size: tuple[int, int] = (24, 80)
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    master: int = -1
    done: threading.Event = field(default_factory=threading.Event)


@route("POST", "/containers/{id}/exec")
def create(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_exec import running_container

    body = req.json(default=None)
    if not isinstance(body, dict):
        raise HTTPError(400, "exec config cannot be empty")
    cmd = body.get("Cmd")
    if isinstance(cmd, str):
        cmd = [cmd]
    if not cmd or not isinstance(cmd, list):
        raise HTTPError(400, "No exec command specified")
    rec = running_container(svc.engine(), req.params["id"])
    size = body.get("ConsoleSize") or [24, 80]
    opts = ExecOptions(
        command=tuple(str(c) for c in cmd),
        env=tuple(body.get("Env") or ()),
        user=str(body.get("User") or ""),
        workdir=str(body.get("WorkingDir") or ""),
        tty=bool(body.get("Tty")),
        interactive=bool(body.get("AttachStdin")),
        privileged=bool(body.get("Privileged")),
    )
    session = ExecSession(
        secrets.token_hex(32),
        rec.id,
        opts,
        bool(body.get("AttachStdin")),
        bool(body.get("AttachStdout")),
        bool(body.get("AttachStderr")),
        (int(size[0]) or 24, int(size[1]) or 80),
    )
    with svc.lock:
        finished = [k for k, v in svc.execs.items() if v.done.is_set()]
        for key in finished[: max(0, len(finished) - _KEEP_FINISHED)]:
            del svc.execs[key]  # oldest first: dicts keep insertion order
        svc.execs[session.id] = session
    resp.json({"Id": session.id}, 201)


def _session(svc: Service, exec_id: str) -> ExecSession:
    with svc.lock:
        session = svc.execs.get(exec_id)
    if not isinstance(session, ExecSession):
        raise HTTPError(404, f"No such exec instance: {exec_id}")
    return session


@route("POST", "/exec/{id}/start")
def start(req: Request, resp: Response, svc: Service) -> None:
    from dataclasses import replace

    from pallet.engine.container_exec import exec_container

    session = _session(svc, req.params["id"])
    body = req.json(default={}) or {}
    if session.running or session.exit_code is not None:
        raise HTTPError(409, f"exec {session.id} has already run")
    session.running = True
    engine = svc.engine()
    if body.get("Detach"):
        try:
            exec_container(engine, session.container_id, replace(session.options, detach=True))
        finally:
            session.running = False
            session.done.set()
        resp.send(200)
        return
    tty = session.options.tty
    kind = "raw-stream" if tty else "multiplexed-stream"
    resp.hijack(wants_upgrade(req), f"application/vnd.docker.{kind}")
    try:
        if tty:
            _run_tty(svc, session, resp)
        else:
            _run_pipes(svc, session, resp)
    finally:
        session.running = False
        session.done.set()


def _run_pipes(svc: Service, session: ExecSession, resp: Response) -> None:
    from pallet.engine.container_exec import exec_container

    engine = svc.engine()
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    r_in, w_in = os.pipe() if session.stdin else (-1, -1)
    result: list[int] = []

    def run() -> None:
        code = 126
        try:
            code = exec_container(
                engine,
                session.container_id,
                session.options,
                stdin=r_in if r_in >= 0 else None,
                stdout=w_out,
                stderr=w_err,
            )
        except (CommandNotFound, CommandCannotInvoke) as exc:
            code = exc.exit_code
            os.write(w_err, f"OCI runtime exec failed: exec failed: {exc}: unknown\r\n".encode())
        except PalletError as exc:
            os.write(w_err, f"{exc}\n".encode())
        finally:
            result.append(code)
            os.close(w_out)
            os.close(w_err)
            if r_in >= 0:
                os.close(r_in)

    thread = threading.Thread(target=run, daemon=True, name="pallet-exec")
    thread.start()
    csock = resp.conn.sock
    try:
        if w_in >= 0 and resp.conn.buf:
            os.write(w_in, bytes(resp.conn.buf))
            resp.conn.buf.clear()
        streams = {r_out: 1, r_err: 2}
        poller = select.poll()
        for fd in streams:
            poller.register(fd, select.POLLIN)
        if w_in >= 0:
            poller.register(csock.fileno(), select.POLLIN)
        while streams:
            for fd, _ev in poller.poll():
                if fd == csock.fileno():
                    data = csock.recv(65536)
                    if not data:
                        poller.unregister(fd)
                        os.close(w_in)
                        w_in = -1
                    else:
                        _write_fd(w_in, data)
                    continue
                data = os.read(fd, 65536)
                if not data:
                    poller.unregister(fd)
                    del streams[fd]
                    continue
                wanted = session.stdout if streams[fd] == 1 else session.stderr
                if wanted:
                    csock.sendall(mux(streams[fd], data))
    except OSError:
        pass
    finally:
        thread.join()
        session.exit_code = result[0] if result else 126
        for fd in (r_out, r_err, w_in):
            if fd >= 0:
                os.close(fd)


def _write_fd(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except BrokenPipeError:
        pass


def _pallet_argv(svc: Service, session: ExecSession) -> list[str]:
    o = svc.options
    argv = [sys.executable, "-m", "pallet"]
    for flag, value in (("--root", o.root), ("--runroot", o.runroot), ("--runtime", o.runtime)):
        if value:
            argv += [flag, value]
    opts = session.options
    argv += ["exec", "-t"] + (["-i"] if opts.interactive else [])
    for env in opts.env:
        argv += ["-e", env]
    if opts.user:
        argv += ["-u", opts.user]
    if opts.workdir:
        argv += ["-w", opts.workdir]
    if opts.privileged:
        argv.append("--privileged")
    return [*argv, session.container_id, *opts.command]


def _set_size(fd: int, rows: int, cols: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _run_tty(svc: Service, session: ExecSession, resp: Response) -> None:
    master, slave = os.openpty()
    _set_size(master, *session.size)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
    proc = subprocess.Popen(
        _pallet_argv(svc, session),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env=env,
    )
    os.close(slave)
    session.pid, session.master = proc.pid, master
    csock = resp.conn.sock
    try:
        if resp.conn.buf and session.stdin:
            _write_fd(master, bytes(resp.conn.buf))
        resp.conn.buf.clear()
        poller = select.poll()
        poller.register(master, select.POLLIN)
        if session.stdin:
            poller.register(csock.fileno(), select.POLLIN)
        running = True
        while running:
            for fd, _ev in poller.poll():
                if fd == master:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: the child and its pty are gone
                        data = b""
                    if not data:
                        running = False
                        break
                    csock.sendall(data)
                else:
                    data = csock.recv(65536)
                    if not data:
                        poller.unregister(fd)
                        _write_fd(master, b"\x04")
                    else:
                        _write_fd(master, data)
    except OSError:
        proc.kill()
    finally:
        session.exit_code = proc.wait()
        session.master = -1
        os.close(master)


@route("POST", "/exec/{id}/resize")
def resize(req: Request, resp: Response, svc: Service) -> None:
    session = _session(svc, req.params["id"])
    h, w = req.int_arg("h", 0) or 0, req.int_arg("w", 0) or 0
    if h <= 0 or w <= 0:
        raise HTTPError(400, "bad parameters: h and w must be positive")
    session.size = (h, w)
    if session.master >= 0:
        try:
            _set_size(session.master, h, w)
            os.kill(session.pid, signal.SIGWINCH)
        except OSError:
            pass
    resp.send(200)


@route("GET", "/exec/{id}/json")
def inspect(req: Request, resp: Response, svc: Service) -> None:
    s = _session(svc, req.params["id"])
    o = s.options
    info: dict[str, Any] = {
        "ID": s.id,
        "Running": s.running,
        "ExitCode": s.exit_code,
        "ProcessConfig": {
            "tty": o.tty,
            "entrypoint": o.command[0],
            "arguments": list(o.command[1:]),
            "privileged": o.privileged,
            "user": o.user,
        },
        "OpenStdin": s.stdin,
        "OpenStderr": s.stderr,
        "OpenStdout": s.stdout,
        "CanRemove": False,
        "ContainerID": s.container_id,
        "DetachKeys": "",
        "Pid": s.pid,
    }
    resp.json(info)
