"""Deterministic layer tars of directory trees.

Equal trees give byte-identical tars: names are sorted (by their bytes), owners are numeric
with no user or group names, times are whole seconds (optionally clamped), and the format is
PAX, with extended headers only where a field needs one (long names, xattrs, large numbers).
"""

from __future__ import annotations

import errno
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pallet.archive._streams import CHUNK
from pallet.archive._writer import OPAQUE_WHITEOUT, OVERLAY_XATTRS, WHITEOUT_PREFIX
from pallet.errors import InvalidArchive

__all__ = ["write_tree"]

_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_END_OF_ARCHIVE = b"\0" * (2 * tarfile.BLOCKSIZE)


def write_tree(
    src: Path,
    out: BinaryIO,
    *,
    from_overlay_upper: bool = False,
    mtime: int | None = None,
) -> None:
    """Write the tree under ``src`` (not ``src`` itself) to ``out`` as a tar.

    Hard links are found by inode and written as links to the first name. With
    ``from_overlay_upper`` the tree is read as an overlayfs upper directory and becomes an OCI
    layer: 0:0 character devices turn into ``.wh.NAME`` and opaque directories get a
    ``.wh..wh..opq`` entry (the upper must come from a mount without redirect_dir or metacopy).
    overlayfs's own xattrs are never written. ``mtime`` clamps every time to at most that many
    seconds since the epoch (SOURCE_DATE_EPOCH). ``out`` is written to but not closed.
    """
    writer = _TarWriter(out, mtime)
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", _listing(os.fspath(src)))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        name = prefix + entry.name
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            xattrs = _xattrs(entry.path)
            writer.add(name, entry.path, st, xattrs)
            if from_overlay_upper and _is_opaque(entry.path):
                writer.whiteout(f"{name}/{OPAQUE_WHITEOUT}", st, mode=stat.S_IMODE(st.st_mode))
            stack.append((name + "/", _listing(entry.path)))
        elif from_overlay_upper and stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            writer.whiteout(prefix + WHITEOUT_PREFIX + entry.name, st, mode=0o600)
        elif not stat.S_ISSOCK(st.st_mode):  # sockets have no tar form
            writer.add(name, entry.path, st, _xattrs(entry.path))
    out.write(_END_OF_ARCHIVE)


def _listing(path: str) -> Iterator[os.DirEntry[str]]:
    with os.scandir(path) as entries:
        ordered = sorted(entries, key=lambda e: os.fsencode(e.name))
    return iter(ordered)


def _xattrs(path: str) -> dict[str, str]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return {}
        raise
    headers = {}
    for name in sorted(names):
        if not name.startswith(OVERLAY_XATTRS):
            value = os.getxattr(path, name, follow_symlinks=False)
            # tarfile writes undecodable values back byte for byte (hdrcharset=BINARY)
            headers["SCHILY.xattr." + name] = value.decode("utf-8", "surrogateescape")
    return headers


def _is_opaque(path: str) -> bool:
    for name in _OPAQUE_XATTRS:
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError as e:
            if e.errno not in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                raise
    return False


class _TarWriter:
    """Writes tar headers and file data straight to ``out`` (tarfile's stream mode is slow)."""

    def __init__(self, out: BinaryIO, clamp: int | None) -> None:
        self.out = out
        self.clamp = clamp
        self.links: dict[tuple[int, int], str] = {}

    def header(self, info: tarfile.TarInfo, st: os.stat_result) -> None:
        info.uid, info.gid = st.st_uid, st.st_gid
        info.uname = info.gname = ""
        seconds = st.st_mtime_ns // 1_000_000_000
        info.mtime = seconds if self.clamp is None else min(seconds, self.clamp)
        self.out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))

    def whiteout(self, name: str, st: os.stat_result, *, mode: int) -> None:
        info = tarfile.TarInfo(name)
        info.mode = mode
        self.header(info, st)

    def add(self, name: str, path: str, st: os.stat_result, xattrs: dict[str, str]) -> None:
        info = tarfile.TarInfo(name)
        info.mode = stat.S_IMODE(st.st_mode)
        info.pax_headers = xattrs
        kind = stat.S_IFMT(st.st_mode)
        if kind != stat.S_IFDIR and st.st_nlink > 1:
            first = self.links.setdefault((st.st_dev, st.st_ino), name)
            if first != name:
                info.type, info.linkname = tarfile.LNKTYPE, first
                self.header(info, st)
                return
        if kind == stat.S_IFREG:
            info.size = st.st_size
            self.header(info, st)
            self.data(name, path, st.st_size)
            return
        if kind == stat.S_IFDIR:
            info.type = tarfile.DIRTYPE
        elif kind == stat.S_IFLNK:
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        elif kind in (stat.S_IFCHR, stat.S_IFBLK):
            info.type = tarfile.CHRTYPE if kind == stat.S_IFCHR else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            info.type = tarfile.FIFOTYPE
        self.header(info, st)

    def data(self, name: str, path: str, size: int) -> None:
        fd = os.open(path, _READ_FLAGS)
        try:
            remaining = size
            while remaining:
                chunk = os.read(fd, min(CHUNK, remaining))
                if not chunk:
                    raise InvalidArchive(f"{name!r} shrank while it was being archived")
                self.out.write(chunk)
                remaining -= len(chunk)
        finally:
            os.close(fd)
        if size % tarfile.BLOCKSIZE:
            self.out.write(b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE))
