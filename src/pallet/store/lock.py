"""Advisory file locks between pallet processes (flock: released when a process dies)."""

from __future__ import annotations

import fcntl
import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:  # import-light: a replayed ``run`` takes this lock (engine.records_file)
    from pathlib import Path
    from types import TracebackType

__all__ = ["FileLock"]


class FileLock:
    """``with FileLock(path):`` takes an exclusive lock; ``shared=True`` a shared one."""

    def __init__(self, path: Path | str, *, shared: bool = False) -> None:
        self.path = path
        self.shared = shared
        self._fd = -1

    def __enter__(self) -> FileLock:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
