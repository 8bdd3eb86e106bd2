"""Bytes in and out of containers for the models: logs, exec output, archives.

The engine writes to file descriptors; docker-py returns bytes or generators of bytes. Exec
output is pumped through pipes by a worker thread so ``stream=True`` yields as the process
writes; archives are spooled to a temporary file and read back in ``chunk_size`` pieces.
"""

from __future__ import annotations

import datetime as _dt
import os
import select
import stat as _stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, BinaryIO

from pallet.engine.context import Engine
from pallet.errors import InvalidArgument

__all__ = [
    "DEFAULT_DATA_CHUNK_SIZE",
    "archive_stat",
    "chunks",
    "exec_stream",
    "log_time",
    "spooled",
]

#: docker-py's default chunk size for archives and saved images (2 MB).
DEFAULT_DATA_CHUNK_SIZE = 1024 * 2048


def log_time(value: Any, what: str) -> str | None:
    """docker-py's ``since``/``until``: a datetime, or positive int/float epoch seconds."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)  # docker-py reads naive as UTC
        return repr(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InvalidArgument(
            f"{what} value should be datetime or positive int/float, not {type(value)}"
        )
    return repr(float(value))


def chunks(fh: IO[bytes], chunk_size: int | None) -> Iterator[bytes]:
    """Read ``fh`` from the start in ``chunk_size`` pieces, then close it."""
    try:
        fh.seek(0)
        size = chunk_size or DEFAULT_DATA_CHUNK_SIZE
        while block := fh.read(size):
            yield block
    finally:
        fh.close()


def spooled(write: Callable[[BinaryIO], None]) -> BinaryIO:
    """A temporary file holding what ``write`` wrote into it."""
    fh: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by chunks()
    try:
        write(fh)
        fh.flush()
    except BaseException:
        fh.close()
        raise
    return fh


def _go_mode(mode: int) -> int:
    """A POSIX st_mode as Go's os.FileMode bits (what Docker's path-stat header carries)."""
    out = mode & 0o777
    if _stat.S_ISDIR(mode):
        out |= 1 << 31
    elif _stat.S_ISLNK(mode):
        out |= 1 << 27
    elif _stat.S_ISFIFO(mode):
        out |= 1 << 25
    elif _stat.S_ISSOCK(mode):
        out |= 1 << 24
    elif _stat.S_ISCHR(mode):
        out |= (1 << 26) | (1 << 21)
    elif _stat.S_ISBLK(mode):
        out |= 1 << 26
    if mode & _stat.S_ISUID:
        out |= 1 << 23
    if mode & _stat.S_ISGID:
        out |= 1 << 22
    if mode & _stat.S_ISVTX:
        out |= 1 << 20
    return out


def archive_stat(engine: Engine, container_id: str, path: str) -> dict[str, Any]:
    """Docker's ``X-Docker-Container-Path-Stat`` for ``path`` in the container."""
    from pallet.engine.container_cp import mounted_rootfs, resolve_in_root
    from pallet.engine.container_records import resolve_container
    from pallet.errors import NotFound

    rec = resolve_container(engine, container_id)
    with mounted_rootfs(engine, rec) as rootfs:
        host = resolve_in_root(
            str(rootfs), path if path.startswith("/") else "/" + path, follow_last=False
        )
        try:
            st = os.lstat(host)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"Could not find the file {path} in container {rec.name}") from None
        link = os.readlink(host) if _stat.S_ISLNK(st.st_mode) else ""
    mtime = _dt.datetime.fromtimestamp(st.st_mtime, _dt.UTC)
    return {
        "name": os.path.basename(path.rstrip("/")) or "/",
        "size": st.st_size,
        "mode": _go_mode(st.st_mode),
        "mtime": mtime.isoformat().replace("+00:00", "Z"),
        "linkTarget": link,
    }


def exec_stream(run: Callable[[int, int], int], *, demux: bool) -> tuple[Iterator[Any], list[int]]:
    """Run ``run(stdout_fd, stderr_fd)`` in a thread; yield its output as it comes.

    Without ``demux`` both streams share one pipe (bytes in the order written); with it the
    generator yields ``(stdout, stderr)`` pairs with one side None. The exit code lands in
    the returned list once the generator is exhausted.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe() if demux else (-1, out_w)
    result: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(run(out_w, err_w))
        except BaseException as exc:  # handed to the reader
            errors.append(exc)
        finally:
            os.close(out_w)
            if demux:
                os.close(err_w)

    thread = threading.Thread(target=worker, name="pallet-exec", daemon=True)
    thread.start()

    def read() -> Iterator[Any]:
        open_fds = [out_r] + ([err_r] if demux else [])
        try:
            while open_fds:
                ready, _, _ = select.select(open_fds, [], [])
                for fd in ready:
                    data = os.read(fd, 65536)
                    if not data:
                        open_fds.remove(fd)
                        continue
                    if not demux:
                        yield data
                    else:
                        yield (data, None) if fd == out_r else (None, data)
            thread.join()
            if errors:
                raise errors[0]
        finally:
            os.close(out_r)
            if demux:
                os.close(err_r)

    return read(), result
