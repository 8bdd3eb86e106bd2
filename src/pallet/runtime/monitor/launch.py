"""The first half of starting a container: its stdio, and the runtime process that sets it up.

Kept apart from the monitor's loop so that a new monitor can start the runtime before it
imports the rest of itself: runc takes tens of milliseconds to set a container up, and the
monitor's imports and its attach socket are made in that time, on the other core, rather
than before it.
"""

from __future__ import annotations

import os

from pallet.runtime.monitor import files

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import socket

    from pallet.runtime.driver import Launch
    from pallet.runtime.monitor.options import MonitorOptions

__all__ = ["Launched", "launch", "set_subreaper"]


def set_subreaper() -> None:
    """Become the reaper of the container's init, which the runtime leaves orphaned."""
    from pallet.runtime import libc

    libc.call("prctl", libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


class Launched:
    """A container the runtime is setting up: the runtime process and the monitor's ends of
    the container's stdio (pipes, or a console socket that will receive the pty)."""

    __slots__ = ("child_fds", "console", "err_r", "out_r", "runtime", "stdin_w")

    def __init__(
        self,
        runtime: Launch | None,
        child_fds: list[int],
        console: socket.socket | None = None,
        out_r: int = -1,
        err_r: int = -1,
        stdin_w: int = -1,
    ) -> None:
        self.runtime = runtime
        self.child_fds = child_fds
        self.console = console
        self.out_r = out_r
        self.err_r = err_r
        self.stdin_w = stdin_w


def launch(o: MonitorOptions) -> Launched:
    """Make the container's stdio and start ``runtime run --detach``; do not wait for it.

    A runtime that cannot even be spawned leaves ``runtime`` None: ``finish`` reports it."""
    try:
        os.unlink(files.PIDFILE)
    except FileNotFoundError:
        pass
    if o.terminal:
        import socket

        try:
            os.unlink(files.CONSOLE)
        except FileNotFoundError:
            pass
        console = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        console.bind(files.CONSOLE)
        console.listen(1)
        null = os.open(os.devnull, os.O_RDWR)
        stdio = (null, null, null)
        out = Launched(None, [null], console=console)
    else:
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        stdin_w = -1
        if o.stdin:
            in_r, stdin_w = os.pipe2(os.O_CLOEXEC)
            os.set_blocking(stdin_w, False)
        else:
            in_r = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        stdio = (in_r, out_w, err_w)
        out = Launched(None, [in_r, out_w, err_w], out_r=out_r, err_r=err_r, stdin_w=stdin_w)
    out.runtime = o.runtime.begin_run_detached(
        o.container_id,
        o.bundle,
        pid_file=os.path.abspath(files.PIDFILE),
        stdio=stdio,
        console_socket=files.CONSOLE if o.terminal else None,
    )
    return out
