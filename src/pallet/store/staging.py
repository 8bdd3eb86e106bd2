"""Names for work in flight under ``tmp/``, and cleanup of what dead writers left behind.

Import-light (no ``pathlib``): a ``run --rm`` monitor uses it.

Every staged file or directory is named ``KIND-PID-RANDOM``: a process killed mid-write leaves
entries whose PID is gone, and ``clean_stale`` removes exactly those.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["clean_stale", "pid_alive", "staging_name"]


def staging_name(kind: str) -> str:
    return f"{kind}-{os.getpid()}-{os.urandom(6).hex()}"


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (zombies count as gone)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False


def _owner(name: str) -> int:
    parts = name.split("-")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return -1


def clean_stale(tmp: Path | str) -> list[str]:
    """Remove staged entries whose writer is no longer running; return their names."""
    removed: list[str] = []
    try:
        names = os.listdir(tmp)
    except FileNotFoundError:
        return removed
    for name in names:
        name_core = name.lstrip(".")
        pid = _owner(name_core)
        if pid == os.getpid() or pid_alive(pid):
            continue
        path = os.path.join(tmp, name)
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        removed.append(name)
    return removed
