"""The per-container monitor (pallet's conmon): spawned by the CLI, it outlives it.

``spawn`` forks the running Python (no new interpreter), the child double-forks into a new
session, and the monitor starts the container, owns its stdio, writes its log and exit files,
serves the attach socket, applies the restart policy and runs the cleanup hook. ``spawn``
returns once the container runs — or raises the error that kept it from starting.
"""

from __future__ import annotations

import os
import sys

from pallet import jsonlite
from pallet.errors import CommandCannotInvoke, CommandNotFound, RuntimeFailure
from pallet.runtime.monitor.files import (
    ExitStatus,
    monitor_alive,
    pid_starttime,
    read_exit,
    request_stop,
)
from pallet.runtime.monitor.options import MonitorOptions, RestartPolicy, parse_restart

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pallet.runtime.monitor.loop import Monitor

__all__ = [
    "ExitStatus",
    "MonitorOptions",
    "RestartPolicy",
    "monitor_alive",
    "parse_restart",
    "read_exit",
    "request_stop",
    "spawn",
]


def _child(opts: MonitorOptions, notify_w: int, orphan: bool) -> int:  # pragma: no cover
    os.setsid()
    if orphan and os.fork():
        os._exit(0)
    os.chdir(opts.container_dir)
    # Keep nothing of the caller's: its locks (flock on inherited fds) and its terminal.
    os.closerange(3, notify_w)
    os.closerange(notify_w + 1, 65536)
    null = os.open(os.devnull, os.O_RDWR)
    log = os.open("monitor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    from pallet.runtime.monitor.launch import Launched, launch, set_subreaper

    set_subreaper()  # before the runtime starts: it leaves the container's init to us
    # The runtime first: everything below is done while it sets the container up.
    try:
        launched: Launched | None = launch(opts)
    except OSError:
        launched = None  # the loop's own start reports it
    try:
        monitor = _prepare(opts, notify_w)
    except BaseException:
        # nobody would watch what the runtime is starting: stop it and drop its state
        if launched is not None and launched.runtime is not None:
            try:
                launched.runtime.wait()
            except Exception:
                pass
            try:
                opts.runtime.delete(opts.container_id, force=True)
            except Exception:
                pass
        raise
    return monitor.run(launched)


def _prepare(opts: MonitorOptions, notify_w: int) -> Monitor:  # pragma: no cover - monitor
    # the C module: ``signal`` imports ``enum`` (~6 ms)
    import _signal as signal  # type: ignore[import-not-found]

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    pid = os.getpid()
    from pallet.runtime.monitor.files import MONITOR_PID

    with open(MONITOR_PID, "w", encoding="utf-8") as fh:
        fh.write(f"{pid} {pid_starttime(pid)}\n")
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the monitor's diagnostics
    from pallet.runtime.monitor.loop import Monitor

    if opts.preload is not None:
        opts.preload()
    return Monitor(opts, notify_w)


def spawn(opts: MonitorOptions, *, orphan: bool = True) -> int:
    """Start a monitor for ``opts``; return its pid once the container's process runs.

    ``orphan`` (the default) forks twice, so that the monitor is nobody's child: what a
    long-lived caller (the API service) needs. A command about to exit passes False and
    saves the second fork (~1 ms): its monitor, in a session of its own, outlives it and
    passes to the init process (or the nearest subreaper) when the command exits.

    Raises CommandNotFound (127) / CommandCannotInvoke (126) when the command cannot be
    started, RuntimeFailure for other runtime errors; the exit file records the same code.
    """
    os.makedirs(opts.container_dir, exist_ok=True)
    for name in ("exit", "started"):
        try:
            os.unlink(os.path.join(opts.container_dir, name))
        except FileNotFoundError:
            pass
    notify_r, notify_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(notify_r)
            code = _child(opts, notify_w, orphan)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os._exit(code & 0xFF)
    os.close(notify_w)
    if orphan:
        os.waitpid(pid, 0)  # the intermediate child exits at once
    chunks = []
    while chunk := os.read(notify_r, 65536):
        chunks.append(chunk)
    os.close(notify_r)
    try:
        msg = jsonlite.loads(b"".join(chunks) or b"{}")
    except ValueError:
        msg = {}
    if "pid" in msg:
        return _monitor_pid(opts.container_dir)
    error = str(
        msg.get("error")
        or "the container monitor failed to start; see "
        + os.path.join(opts.container_dir, "monitor.log")
    )
    code = int(msg.get("code") or 125)
    if code == 127:
        raise CommandNotFound(error)
    if code == 126:
        raise CommandCannotInvoke(error)
    raise RuntimeFailure(error)


def _monitor_pid(container_dir: str) -> int:
    try:
        with open(os.path.join(container_dir, "monitor.pid"), encoding="utf-8") as fh:
            return int(fh.read().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return 0
