"""The files a monitor keeps in its container directory, and reading them back.

monitor.pid   "PID STARTTIME" of the monitor (STARTTIME from /proc/PID/stat, against reuse)
pidfile       the container's init pid, written by the runtime (--pid-file)
started       JSON {pid, started_at, restart_count} after each successful start
exit          JSON {code, finished_at, oom, restart_count, error} after each exit
ctl           FIFO: the CLI writes "stop\\n" so that no restart follows the next exit
attach        unix socket: stdout/stderr frames out, stdin/resize frames in
console.sock  unix socket the runtime hands the pty master to (terminal containers)
ctr.log       the container's output in podman's k8s-file format
monitor.log   the monitor's own diagnostics
"""

from __future__ import annotations

import os
import time

from pallet import jsonlite

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = [
    "ATTACH",
    "CONSOLE",
    "CTL",
    "EXIT",
    "LOG",
    "MONITOR_LOG",
    "MONITOR_PID",
    "PIDFILE",
    "STARTED",
    "ExitStatus",
    "monitor_alive",
    "now_rfc3339",
    "pid_starttime",
    "read_exit",
    "read_json",
    "request_stop",
    "write_json",
]

MONITOR_PID = "monitor.pid"
PIDFILE = "pidfile"
STARTED = "started"
EXIT = "exit"
CTL = "ctl"
ATTACH = "attach"
CONSOLE = "console.sock"
LOG = "ctr.log"
MONITOR_LOG = "monitor.log"


class ExitStatus:
    """How the container's process last ended.

    A plain class, as everything the monitor imports: ``dataclasses`` costs ~20 ms to import
    (it brings ``re`` and ``enum``), which every ``run`` would pay.
    """

    __slots__ = ("code", "error", "finished_at", "oom", "restart_count")

    def __init__(
        self,
        code: int,
        finished_at: str,
        oom: bool = False,
        restart_count: int = 0,
        error: str = "",
    ) -> None:
        self.code = code
        self.finished_at = finished_at
        self.oom = oom
        self.restart_count = restart_count
        self.error = error

    def _key(self) -> tuple[int, str, bool, int, str]:
        return (self.code, self.finished_at, self.oom, self.restart_count, self.error)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExitStatus) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"ExitStatus(code={self.code!r}, finished_at={self.finished_at!r}, oom={self.oom!r}, "
            f"restart_count={self.restart_count!r}, error={self.error!r})"
        )


def now_rfc3339(ns: int | None = None) -> str:
    """UTC time with nanoseconds: ``2024-05-01T12:00:00.123456789Z``."""
    ns = time.time_ns() if ns is None else ns
    sec, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{frac:09d}Z"


def write_json(path: str, obj: dict[str, Any]) -> None:
    """Write ``obj`` to ``path`` atomically (temp file + rename)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(jsonlite.dumps(obj))
    os.replace(tmp, path)


def read_json(path: str) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None if there is none."""
    try:
        with open(path, "rb") as fh:
            obj = jsonlite.loads(fh.read())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def read_exit(container_dir: str) -> ExitStatus | None:
    """The last exit the monitor recorded, or None if the process has not exited."""
    obj = read_json(os.path.join(container_dir, EXIT))
    if obj is None:
        return None
    return ExitStatus(
        code=int(obj.get("code", -1)),
        finished_at=str(obj.get("finished_at", "")),
        oom=bool(obj.get("oom")),
        restart_count=int(obj.get("restart_count", 0)),
        error=str(obj.get("error", "")),
    )


def pid_starttime(pid: int) -> str:
    """Field 22 of /proc/PID/stat (boot-relative start time), '' if the pid does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return ""
    return stat.rsplit(b")", 1)[1].split()[19].decode()


def monitor_alive(container_dir: str) -> bool:
    """Whether the container's monitor is still running (pid file + liveness + start time)."""
    try:
        with open(os.path.join(container_dir, MONITOR_PID), encoding="utf-8") as fh:
            pid_s, _, start = fh.read().strip().partition(" ")
    except FileNotFoundError:
        return False
    if not pid_s.isdigit():
        return False
    now = pid_starttime(int(pid_s))
    if not now or (start and now != start):
        return False
    try:
        with open(f"/proc/{pid_s}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in (b"Z", b"X")


def request_stop(container_dir: str) -> bool:
    """Tell the monitor not to restart the process after its next exit (``stop``, ``rm``).

    Returns False when no monitor is listening. Call it before signalling the container.
    """
    try:
        fd = os.open(os.path.join(container_dir, CTL), os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no reader; ENOENT: no monitor was ever here
        return False
    try:
        os.write(fd, b"stop\n")
    except OSError:
        return False
    finally:
        os.close(fd)
    return True
