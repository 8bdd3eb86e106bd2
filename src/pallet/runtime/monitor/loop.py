"""The monitor's main loop: start the container, pump its output, record its exits.

Runs in a forked child of the CLI (see ``monitor.spawn``) with the container directory as its
working directory. It is the subreaper of the container's init process, so it can wait for it.
"""

from __future__ import annotations

import os
import select
import sys
import time

from pallet import jsonlite
from pallet.errors import PalletError
from pallet.runtime.monitor import files, protocol
from pallet.runtime.monitor.attachserver import AttachServer, Client
from pallet.runtime.monitor.launch import Launched, launch
from pallet.runtime.monitor.logwriter import LogWriter
from pallet.runtime.monitor.options import MonitorOptions

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["Monitor"]

_IN = select.POLLIN | select.POLLHUP | select.POLLERR


def _oom_file(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        _, ctrls, path = line.split(":", 2)
        if "memory" in ctrls.split(","):
            return f"/sys/fs/cgroup/memory{path}/memory.oom_control"
    for line in lines:
        if line.startswith("0::"):
            return f"/sys/fs/cgroup{line[3:]}/memory.events"
    return None


def _oom_kills(path: str | None) -> int:
    if not path:
        return 0
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, _, val = line.partition(" ")
                if key == "oom_kill":
                    return int(val)
    except (FileNotFoundError, ValueError, OSError):
        pass
    return 0


class Monitor:
    """One container's monitor; ``run()`` returns when the container is done for good."""

    def __init__(self, opts: MonitorOptions, notify_fd: int) -> None:
        self.o = opts
        self.notify_fd = notify_fd
        self.restarts = 0
        self.stop_requested = False
        self.log = LogWriter(opts.log_path or files.LOG)
        self.server: AttachServer | None = None
        self.poller = select.poll()
        self.handlers: dict[int, Any] = {}
        self.streams: dict[int, str] = {}
        self.stdin_w = -1
        self.stdin_buf = bytearray()
        self.master = -1
        self.pid = 0
        self.pidfd = -1
        self.exit_code: int | None = None
        self.end_delete: Any = None
        os.mkfifo(files.CTL, 0o600) if not os.path.exists(files.CTL) else None
        self.ctl = os.open(files.CTL, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self._watch(self.ctl, self._on_ctl)

    # -- plumbing ------------------------------------------------------------------------------
    def _watch(self, fd: int, handler: Any, events: int = _IN) -> None:
        self.handlers[fd] = handler
        self.poller.register(fd, events)

    def _unwatch(self, fd: int) -> None:
        if self.handlers.pop(fd, None) is not None:
            self.poller.unregister(fd)

    def _notify(self, obj: dict[str, Any]) -> None:
        if self.notify_fd >= 0:
            try:
                os.write(self.notify_fd, jsonlite.dumps(obj).encode())
            except OSError:
                pass  # the CLI is gone: the container runs on regardless
            os.close(self.notify_fd)
            self.notify_fd = -1

    # -- starting ------------------------------------------------------------------------------
    def _start(self, launched: Launched | None = None) -> str:
        """Start the container once (or finish starting ``launched``); return '' or the error
        message (exit file written)."""
        o = self.o
        error = ""
        try:
            if launched is None:
                launched = launch(o)
        except (OSError, PalletError) as exc:  # the runtime could not even be spawned
            error = (
                str(exc)
                if isinstance(exc, PalletError)
                else f"cannot run the OCI runtime {o.runtime.path}: {exc.strerror or exc}"
            )
            code = getattr(exc, "exit_code", 125)
            launched = Launched(None, [])
        console = launched.console
        out_r, err_r = launched.out_r, launched.err_r
        child = launched.child_fds
        if launched.stdin_w >= 0:
            self.stdin_w = launched.stdin_w
        try:
            if launched.runtime is not None:
                launched.runtime.wait()
        except PalletError as exc:
            error = str(exc)
            code = exc.exit_code
        finally:
            for fd in child:
                os.close(fd)
        if error:
            if console is not None:
                console.close()
            for fd in (out_r, err_r):
                if fd >= 0:
                    os.close(fd)
            self._close_stdin()
            if launched.runtime is not None:  # a failed ``run`` leaves a stopped container
                self._delete_state()
            files.write_json(
                files.EXIT,
                {
                    "code": code,
                    "finished_at": files.now_rfc3339(),
                    "oom": False,
                    "restart_count": self.restarts,
                    "error": error,
                },
            )
            self._notify({"error": error, "code": code})
            return error
        if console is not None:
            import socket

            console.settimeout(10)
            conn, _ = console.accept()
            _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
            conn.close()
            console.close()
            os.unlink(files.CONSOLE)
            self.master = fds[0]
            os.set_inheritable(self.master, False)
            self.streams[self.master] = "stdout"
            self._watch(self.master, self._on_output)
            if o.stdin:
                self.stdin_w = self.master
        else:
            self.streams[out_r] = "stdout"
            self.streams[err_r] = "stderr"
            self._watch(out_r, self._on_output)
            self._watch(err_r, self._on_output)
        with open(files.PIDFILE, encoding="utf-8") as fh:
            self.pid = int(fh.read().strip())
        self.pidfd = os.pidfd_open(self.pid)
        self._watch(self.pidfd, self._on_exit)
        self.oom_path = _oom_file(self.pid)
        self.oom_before = _oom_kills(self.oom_path)
        self.exit_code = None
        files.write_json(
            files.STARTED,
            {"pid": self.pid, "started_at": files.now_rfc3339(), "restart_count": self.restarts},
        )
        self._notify({"pid": self.pid})
        return ""

    # -- events --------------------------------------------------------------------------------
    def _on_output(self, fd: int, events: int) -> None:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO on a pty master once the last slave closed
            data = b""
        if not data:
            self._unwatch(fd)
            self.streams.pop(fd, None)
            if fd == self.master:
                self.master = -1
                if self.stdin_w == fd:
                    self.stdin_w = -1
            os.close(fd)
            return
        stream = self.streams[fd]
        self.log.write(stream, data)
        if self.server is not None:
            kind = protocol.STDOUT if stream == "stdout" else protocol.STDERR
            self.server.broadcast(kind, data)

    def _on_exit(self, fd: int, events: int) -> None:
        from pallet.runtime.driver import wait_status

        self._unwatch(fd)
        os.close(fd)
        self.pidfd = -1
        self.exit_code = wait_status(self.pid)

    def _on_ctl(self, fd: int, events: int) -> None:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        if b"stop" in data:
            self.stop_requested = True

    def _on_accept(self, fd: int, events: int) -> None:
        assert self.server is not None
        client = self.server.accept()
        if client is not None:
            self._watch(client.fileno(), self._on_client)

    def _on_client(self, fd: int, events: int) -> None:
        assert self.server is not None
        client = self.server.clients.get(fd)
        if client is None:
            self._unwatch(fd)
            return
        if events & select.POLLOUT:
            self.server.flush(client)
        try:
            data = client.sock.recv(65536) if events & _IN else None
        except OSError:
            data = b""
        if data == b"":
            self._unwatch(fd)
            self.server.drop(client)
            return
        for kind, payload in client.reader.feed(data or b""):
            self._client_frame(client, kind, payload)

    def _client_frame(self, client: Client, kind: int, payload: bytes) -> None:
        if kind == protocol.STDIN and self.stdin_w >= 0:
            self.stdin_buf += payload
            self._flush_stdin(self.stdin_w, select.POLLOUT)
        elif kind == protocol.STDIN_EOF and self.stdin_w >= 0 and self.stdin_w != self.master:
            self._close_stdin()
        elif kind == protocol.RESIZE and self.master >= 0:
            import fcntl
            import struct
            import termios

            rows, _, cols = payload.decode().partition(" ")
            fcntl.ioctl(
                self.master, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0)
            )

    def _flush_stdin(self, fd: int, events: int) -> None:
        try:
            while self.stdin_buf:
                n = os.write(self.stdin_w, self.stdin_buf)
                del self.stdin_buf[:n]
        except BlockingIOError:
            pass
        except OSError:  # the container closed its stdin
            self.stdin_buf.clear()
        if self.stdin_w != self.master:
            if self.stdin_buf and self.stdin_w not in self.handlers:
                self._watch(self.stdin_w, self._flush_stdin, select.POLLOUT)
            elif not self.stdin_buf and self.stdin_w in self.handlers:
                self._unwatch(self.stdin_w)

    def _close_stdin(self) -> None:
        if self.stdin_w >= 0 and self.stdin_w != self.master:
            self._unwatch(self.stdin_w)
            os.close(self.stdin_w)
        self.stdin_w = -1
        self.stdin_buf.clear()

    def _poll(self, timeout_ms: int | None) -> bool:
        events = self.poller.poll(timeout_ms)
        # control messages first, so a stop that came with the kill is seen before the exit
        events.sort(key=lambda ev: ev[0] != self.ctl)
        for fd, ev in events:
            handler = self.handlers.get(fd)
            if handler is not None:
                handler(fd, ev)
        return bool(events)

    # -- lifecycle -----------------------------------------------------------------------------
    def _wait_exit(self) -> int:
        while self.exit_code is None:
            self._poll(None)
        deadline = time.monotonic() + 2.0  # output still in the pipes after init exited
        while self.streams and time.monotonic() < deadline:
            self._poll(int((deadline - time.monotonic()) * 1000) + 1)
        for fd in list(self.streams):
            self._unwatch(fd)
            os.close(fd)
        self.streams.clear()
        self.master = -1
        self._close_stdin()
        self._reap()
        return self.exit_code

    def _reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def _delete_state(self) -> None:
        try:
            self.o.runtime.delete(self.o.container_id, force=True)
        except (PalletError, OSError) as exc:
            print(f"monitor: delete: {exc}", file=sys.stderr)

    def _begin_delete(self) -> None:
        """After the final exit: start deleting the runtime's state; ``_finish`` completes it
        once attached clients were let go (for runc, the cgroups and state directory, ~3 ms
        that ``run --rm`` need not wait for)."""
        try:
            self.end_delete = self.o.runtime.delete_in_two(self.o.container_id)
        except (PalletError, OSError) as exc:
            print(f"monitor: delete: {exc}", file=sys.stderr)

    def _serve(self) -> None:
        self.server = AttachServer(files.ATTACH, keep_backlog=self.o.attach)
        self._watch(self.server.listener.fileno(), self._on_accept)

    def run(self, launched: Launched | None = None) -> int:
        """Run the container until it exits for good; return its last exit code.

        ``launched``: the first start, already begun (see ``monitor.launch``)."""
        if self.o.attach:  # the caller attaches as soon as spawn() returns
            self._serve()
        if self._start(launched):
            self._finish()
            return 125
        if self.server is None:  # detached: the socket can wait until the container runs
            self._serve()
        assert self.server is not None
        while True:
            code = self._wait_exit()
            oom = _oom_kills(self.oom_path) > self.oom_before
            self._on_ctl(self.ctl, 0)
            again = self.o.restart.should_restart(code, self.restarts, self.stop_requested)
            files.write_json(
                files.EXIT,
                {
                    "code": code,
                    "finished_at": files.now_rfc3339(),
                    "oom": oom,
                    "restart_count": self.restarts,
                },
            )
            self.server.broadcast(
                protocol.EXIT,
                jsonlite.dumps({"code": code, "oom": oom, "restarting": again}).encode(),
            )
            if again or (self.o.delete_on_exit and not self.o.defer_delete):
                self._delete_state()
            elif self.o.delete_on_exit:
                self._begin_delete()
            if not again:
                break
            # docker's back-off: 100 ms doubling, capped; a stop request ends the wait
            delay = min(0.1 * (2**self.restarts), 10.0)
            deadline = time.monotonic() + delay
            while not self.stop_requested and time.monotonic() < deadline:
                self._poll(int((deadline - time.monotonic()) * 1000) + 1)
            if self.stop_requested:
                break
            self.restarts += 1
            if self._start():
                break
        self._finish()
        return code

    def _finish(self) -> None:
        try:
            self._finish_sessions()
        finally:
            if self.end_delete is not None:  # the runtime's state goes in any case
                try:
                    self.end_delete()
                except (PalletError, OSError) as exc:
                    print(f"monitor: delete: {exc}", file=sys.stderr)
        self._purge()

    def _finish_sessions(self) -> None:
        self.log.close()
        if (
            self.server is not None
            and self.pid
            and not self.server.ever_connected
            and self.o.attach
        ):
            # ``run`` attaches right after spawn() returns: give it the output and the exit
            deadline = time.monotonic() + 5.0
            while not self.server.ever_connected and time.monotonic() < deadline:
                self._poll(int((deadline - time.monotonic()) * 1000) + 1)
        if self.o.cleanup is not None:
            try:
                self.o.cleanup()
            except Exception as exc:
                print(f"monitor: cleanup failed: {exc!r}", file=sys.stderr)
        if self.server is not None:
            self.server.close()
            try:
                os.unlink(files.ATTACH)
            except FileNotFoundError:
                pass
        os.close(self.ctl)

    def _purge(self) -> None:
        if self.o.purge is not None:
            try:
                self.o.purge()
            except Exception as exc:
                print(f"monitor: purge failed: {exc!r}", file=sys.stderr)
