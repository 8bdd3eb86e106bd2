"""COPY and ADD into a mounted root filesystem, as BuildKit does them.

Destination paths are resolved inside the rootfs with chroot semantics (an absolute symlink in
the image points into the image, never at the host). A directory source copies its contents;
a file goes to ``dest/NAME`` when ``dest`` ends in ``/`` or is an existing directory, else to
``dest``. New files and directories belong to 0:0 unless ``--chown`` says otherwise; modes
and mtimes come from the source unless ``--chmod`` is given.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pallet.errors import BuildError

__all__ = ["CopyItem", "Owner", "copy_items", "resolve_in_root"]

_MAX_HOPS = 40


@dataclass(frozen=True, slots=True)
class Owner:
    """The uid/gid given to what is copied; ``None`` keeps the source's (COPY --from)."""

    uid: int
    gid: int


@dataclass(frozen=True, slots=True)
class CopyItem:
    """One thing to copy: a host path (file, dir, symlink) or literal bytes (heredocs)."""

    name: str
    path: str = ""
    data: bytes | None = None
    is_dir: bool = False
    walk: Callable[[], Iterator[tuple[str, str, os.stat_result]]] | None = None
    unpack: Callable[[str], None] | None = None


def resolve_in_root(root: str, path: str, *, follow_last: bool = True) -> str:
    """The host path of ``path`` inside ``root``, symlinks resolved without leaving ``root``."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    done: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        host = os.path.join(root, *done, part)
        if (parts or follow_last) and os.path.islink(host):
            hops += 1
            if hops > _MAX_HOPS:
                raise BuildError(f"too many levels of symbolic links: {path}")
            target = os.readlink(host)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        done.append(part)
    return os.path.join(root, *done)


def _mkdirs(root: str, path: str, owner: Owner | None) -> str:
    """Create ``path`` (inside ``root``) and missing parents; return its host path."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    cur = "/"
    for part in parts:
        cur = os.path.join(cur, part)
        host = resolve_in_root(root, cur)
        if not os.path.lexists(host):
            os.mkdir(host, 0o755)
            if owner is not None:
                os.lchown(host, owner.uid, owner.gid)
        elif not os.path.isdir(host):
            raise BuildError(f"cannot copy to {path}: {cur} is not a directory")
    return resolve_in_root(root, path)


def copy_items(
    root: str,
    items: list[CopyItem],
    dest: str,
    *,
    workdir: str = "/",
    owner: Owner | None = Owner(0, 0),
    chmod: int | None = None,
    keyword: str = "COPY",
) -> None:
    """Copy ``items`` to ``dest`` (relative to ``workdir``) in the rootfs at ``root``."""
    if not dest.startswith("/"):
        dest = os.path.join(workdir or "/", dest)
    dir_dest = dest.endswith("/") or dest.endswith("/.") or dest in (".", "/")
    if len(items) > 1 and not dir_dest:
        raise BuildError(
            f"{keyword} failed: when using {keyword} with more than one source file, "
            "the destination must be a directory and end with a /"
        )
    host_dest = resolve_in_root(root, dest)
    if not dir_dest and os.path.isdir(host_dest):
        dir_dest = True
    for item in items:
        if item.unpack is not None:
            item.unpack(_mkdirs(root, dest, owner))
        elif item.is_dir:
            target = _mkdirs(root, dest, owner)
            assert item.walk is not None
            for rel, path, st in item.walk():
                _copy_one(path, os.path.join(target, rel), st, owner, chmod)
        else:
            if dir_dest:
                parent = _mkdirs(root, dest, owner)
                target = os.path.join(parent, item.name)
            else:
                parent = _mkdirs(root, os.path.dirname(dest.rstrip("/")) or "/", owner)
                target = os.path.join(parent, os.path.basename(dest.rstrip("/")))
            if item.data is not None:
                _write_data(target, item.data, owner, chmod)
            else:
                _copy_one(item.path, target, os.stat(item.path), owner, chmod)


def _replace(target: str, is_dir: bool) -> None:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        if not is_dir:
            shutil.rmtree(target)
    else:
        os.unlink(target)


def _write_data(target: str, data: bytes, owner: Owner | None, chmod: int | None) -> None:
    _replace(target, False)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(target, 0o644 if chmod is None else chmod)
    if owner is not None:
        os.lchown(target, owner.uid, owner.gid)


def _copy_one(
    src: str, target: str, st: os.stat_result, owner: Owner | None, chmod: int | None
) -> None:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        if not os.path.isdir(target) or os.path.islink(target):
            _replace(target, True)
            os.mkdir(target, 0o700)
    else:
        _replace(target, False)
        if stat.S_ISLNK(mode):
            os.symlink(os.readlink(src), target)
        elif stat.S_ISREG(mode):
            fd_in = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                fd_out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                                 0o600)  # fmt: skip
                try:
                    _copy_bytes(fd_in, fd_out, st.st_size)
                finally:
                    os.close(fd_out)
            finally:
                os.close(fd_in)
        elif stat.S_ISFIFO(mode):
            os.mkfifo(target)
        else:
            return  # devices and sockets are not copied from a context
    uid, gid = (owner.uid, owner.gid) if owner is not None else (st.st_uid, st.st_gid)
    os.lchown(target, uid, gid)
    if not stat.S_ISLNK(mode):
        os.chmod(target, stat.S_IMODE(mode) if chmod is None else chmod)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def _copy_bytes(fd_in: int, fd_out: int, size: int) -> None:
    offset = 0
    while offset < size:
        try:
            n = os.sendfile(fd_out, fd_in, offset, size - offset)
        except OSError:
            n = 0
        if n <= 0:
            break
        offset += n
    if offset < size:  # sendfile unsupported here: plain reads and writes
        os.lseek(fd_in, offset, os.SEEK_SET)
        while chunk := os.read(fd_in, 1 << 20):
            os.write(fd_out, chunk)
