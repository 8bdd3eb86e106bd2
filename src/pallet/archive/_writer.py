"""Writes tar members under a destination: the file-system half of :mod:`extract`."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from typing import Literal, TypeVar

from pallet.archive import _tarheader as th
from pallet.archive._scoped import ScopedRoot, split_member_name
from pallet.archive.tarreader import Header, TarReader
from pallet.errors import InvalidArchive

ExtractMode = Literal["overlay", "apply"]
WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"
OVERLAY_XATTRS = ("trusted.overlay.", "user.overlay.")
"""overlayfs reads these in a lowerdir: only our whiteout handling may set them."""
_IGNORED_XATTR_ERRORS = (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_TYPES = th.REGULAR_TYPES | {th.GNU_SPARSE}
_T = TypeVar("_T")


def _xattrs(member: Header) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in member.xattrs if not k.startswith(OVERLAY_XATTRS)]


class Writer:
    """Writes members under a root, tracking what this layer wrote (for opaque whiteouts)."""

    def __init__(
        self, root: str, mode: ExtractMode, allow_devices: bool, chown: bool | None
    ) -> None:
        self.scope = ScopedRoot(root)
        self.apply = mode == "apply"
        self.allow_devices = allow_devices
        self.chown = os.geteuid() == 0 if chown is None else chown
        self.written: set[str] = set()
        self.dir_times: dict[str, tuple[int, int]] = {}
        self.files = self.bytes = self.entries = 0
        self.skipped: list[str] = []

    def member(self, reader: TarReader, m: Header) -> None:
        try:
            parts = split_member_name(m.name)
            if parts and parts[-1].startswith(WHITEOUT_PREFIX):
                self.whiteout(parts, m)
            else:
                self.node(reader, m, parts)
        except (ValueError, OverflowError) as e:  # a NUL in a link name, an owner out of range
            raise InvalidArchive(f"member {m.name!r}: {e}") from None
        except OSError as e:
            if e.errno in (errno.ENAMETOOLONG, errno.ELOOP, errno.ENOTDIR, errno.EFBIG):
                raise InvalidArchive(f"member {m.name!r}: {e.strerror}") from None
            raise

    def node(self, reader: TarReader, m: Header, parts: list[str]) -> None:
        kind = m.type
        if not parts:  # the root itself ("./"): only its metadata can apply
            if kind == th.DIRECTORY:
                self.dir_meta(self.scope.root, m)
                self.entries += 1
            return
        parent = self.scope.resolve_dir(parts[:-1], create=True)
        assert parent is not None
        self.note_created()
        path = f"{parent}/{parts[-1]}"
        if kind in _FILE_TYPES:
            self.regular(reader, m, path)
        elif kind == th.DIRECTORY:
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                if not self.scope.remove(path, keep_dir=True):
                    os.mkdir(path, 0o700)
            self.scope.remember(parts, path)
            self.dir_meta(path, m)
        elif kind == th.SYMLINK:
            self.create(path, lambda: os.symlink(m.linkname, path))
            self.meta(path, m, symlink=True)
        elif kind == th.HARDLINK:
            self.hardlink(m, path)
        elif kind in (th.CHARDEV, th.BLOCKDEV, th.FIFO):
            if not self.special(m, path):
                return
        else:
            self.skipped.append(m.name)
            return
        self.entries += 1
        self.mark_written(path)

    def regular(self, reader: TarReader, m: Header, path: str) -> None:
        try:
            fd = os.open(path, _CREATE_FLAGS, 0o600)
        except FileExistsError:
            self.scope.remove(path)
            fd = os.open(path, _CREATE_FLAGS, 0o600)
        try:
            if m.sparse is not None:  # the holes stay holes
                for offset, length in m.sparse:
                    reader.write_to(fd, offset, length)
                os.ftruncate(fd, m.realsize)
            elif m.size:
                reader.write_to(fd, 0, m.size)
            if self.chown:
                os.fchown(fd, m.uid, m.gid)
            os.fchmod(fd, m.mode & 0o7777)  # after chown, which clears set-id bits
            if m.xattrs:
                for name, value in _xattrs(m):
                    _setxattr(fd, name, value)
            ns = m.mtime_ns
            os.utime(fd, ns=(ns, ns))
        finally:
            os.close(fd)
        self.files += 1
        self.bytes += m.realsize

    def hardlink(self, m: Header, path: str) -> None:
        target_parts = split_member_name(m.linkname)
        parent = self.scope.resolve_dir(target_parts[:-1], create=False)
        if not target_parts or parent is None:
            raise InvalidArchive(f"hard link {m.name!r}: target {m.linkname!r} not found")
        target = f"{parent}/{target_parts[-1]}"
        if target != path:
            try:
                self.create(path, lambda: os.link(target, path, follow_symlinks=False))
            except (FileNotFoundError, PermissionError):
                raise InvalidArchive(
                    f"hard link {m.name!r}: target {m.linkname!r} not found or a directory"
                ) from None
        self.files += 1

    def special(self, m: Header, path: str) -> bool:
        if m.type == th.FIFO:
            self.create(path, lambda: os.mkfifo(path, 0o600))
        elif not self.allow_devices:
            self.skipped.append(m.name)
            return False
        else:
            kind = stat.S_IFCHR if m.type == th.CHARDEV else stat.S_IFBLK
            device = os.makedev(m.devmajor, m.devminor)
            try:
                self.create(path, lambda: os.mknod(path, kind | 0o600, device))
            except PermissionError:  # not privileged enough to make devices
                self.skipped.append(m.name)
                return False
        self.meta(path, m, symlink=False)
        return True

    def whiteout(self, parts: list[str], m: Header) -> None:
        base = parts[-1]
        if base == OPAQUE_WHITEOUT:
            directory = self.scope.resolve_dir(parts[:-1], create=not self.apply)
            self.note_created()
            if directory is None:
                pass
            elif self.apply:
                self.clear_lower(directory)
            else:
                os.setxattr(directory, "trusted.overlay.opaque", b"y", follow_symlinks=False)
            self.entries += 1
            return
        name = base[len(WHITEOUT_PREFIX) :]
        if base.startswith(WHITEOUT_PREFIX * 2) or name in ("", ".", ".."):
            self.skipped.append(m.name)  # aufs metadata (.wh..wh.plnk ...) or nonsense
            return
        directory = self.scope.resolve_dir(parts[:-1], create=not self.apply)
        self.note_created()
        self.entries += 1
        if directory is None:
            return
        target = f"{directory}/{name}"
        if self.apply:
            if target not in self.written:  # a layer's whiteouts hide only earlier layers
                self.scope.remove(target)
            return
        try:
            os.mknod(target, stat.S_IFCHR, os.makedev(0, 0))
        except FileExistsError:
            return  # this layer's own entry of that name stays
        if self.chown:
            os.chown(target, m.uid, m.gid, follow_symlinks=False)

    def clear_lower(self, directory: str) -> None:
        """Empty ``directory`` of everything this layer did not write."""
        with os.scandir(directory) as entries:
            for entry in list(entries):
                if entry.path not in self.written:
                    self.scope.remove(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    self.clear_lower(entry.path)

    def create(self, path: str, make: Callable[[], _T]) -> _T:
        """Run ``make`` to create ``path``; if something is there, remove it and retry once."""
        try:
            return make()
        except FileExistsError:
            self.scope.remove(path)
            return make()

    def meta(self, path: str, m: Header, *, symlink: bool) -> None:
        if self.chown:
            os.chown(path, m.uid, m.gid, follow_symlinks=False)
        if not symlink:
            os.chmod(path, m.mode & 0o7777)
        for name, value in _xattrs(m):
            _setxattr(path, name, value)
        ns = m.mtime_ns
        os.utime(path, ns=(ns, ns), follow_symlinks=False)

    def dir_meta(self, path: str, m: Header) -> None:
        if self.chown:
            os.chown(path, m.uid, m.gid, follow_symlinks=False)
        for name, value in _xattrs(m):
            _setxattr(path, name, value)
        # mode and times wait for the end: children change the mtime, and a read-only mode
        # would stop an unprivileged extraction from writing them
        self.dir_times[path] = (m.mode & 0o7777, m.mtime_ns)

    def note_created(self) -> None:
        for path in self.scope.created:
            self.mark_written(path)
        self.scope.created.clear()

    def mark_written(self, path: str) -> None:
        if not self.apply:
            return
        root = self.scope.root
        while path not in self.written and len(path) > len(root):
            self.written.add(path)
            path = path.rpartition("/")[0]

    def finish(self) -> None:
        """Set the deferred modes and times of directories, deepest first."""
        for path in sorted(self.dir_times, key=lambda p: p.count("/"), reverse=True):
            mode, ns = self.dir_times[path]
            try:
                fd = os.open(path, _DIR_FLAGS)
            except OSError:
                continue  # replaced or whited out later in the archive
            try:
                os.fchmod(fd, mode)
                os.utime(fd, ns=(ns, ns))
            except (OverflowError, ValueError):
                raise InvalidArchive(
                    f"tar archive is invalid: a directory's time is out of range ({path})"
                ) from None
            finally:
                os.close(fd)


def _setxattr(target: int | str, name: str, value: bytes) -> None:
    try:
        if isinstance(target, int):
            os.setxattr(target, name, value)
        else:
            os.setxattr(target, name, value, follow_symlinks=False)
    except OSError as e:
        if e.errno not in _IGNORED_XATTR_ERRORS:
            raise
