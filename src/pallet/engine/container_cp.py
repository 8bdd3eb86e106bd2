"""``cp``: copy files between a container's root filesystem and the host, as ``docker cp``.

Paths inside the container are resolved as if its rootfs were ``/`` (an absolute symlink
starts again at the rootfs, ``..`` stops there), so a link in the container that points at
``/etc/passwd`` names the container's file, never the host's. Both directions go through a
tar stream: the writing side walks without following symlinks, and the reading side is
:func:`pallet.archive.extract_layer`, which keeps every member inside its destination.

docker's rules for where the copy lands (``SRC/.`` copies a directory's contents, a trailing
``/`` on a file is an error, a directory never overwrites a file) are decided in
:func:`_placement`. A stopped container's rootfs is mounted for the copy and unmounted after.
"""

from __future__ import annotations

import os
import stat
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pallet.engine.container_records import ContainerRecord, container_dir, resolve_container
from pallet.engine.container_state import read_state
from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, NotFound, PalletError

__all__ = [
    "copy_from_container",
    "copy_to_container",
    "mounted_rootfs",
    "resolve_in_root",
    "write_tar",
]

_MAX_HOPS = 40


def resolve_in_root(root: str, path: str, *, follow_last: bool = True) -> str:
    """The host path of ``path`` inside ``root``, following symlinks with chroot semantics.

    Every intermediate symlink is followed inside ``root``; the last component only with
    ``follow_last``. The result need not exist (a missing component ends the resolution).
    """
    real: list[str] = []
    pending = [p for p in reversed(path.split("/")) if p]
    hops = 0
    while pending:
        name = pending.pop()
        if name == ".":
            continue
        if name == "..":
            if real:
                real.pop()
            continue
        host = "/".join([root, *real, name])
        try:
            mode = os.lstat(host).st_mode
        except (FileNotFoundError, NotADirectoryError):
            rest = [p for p in reversed(pending) if p != "."]
            if ".." in rest:  # beyond a missing directory: there is nothing to resolve
                raise NotFound(f"{path}: no such file or directory") from None
            return "/".join([host, *rest])
        if stat.S_ISLNK(mode) and (pending or follow_last):
            hops += 1
            if hops > _MAX_HOPS:
                raise InvalidArgument(f"{path}: too many levels of symbolic links")
            target = os.readlink(host)
            if target.startswith("/"):
                real = []
            pending.extend(p for p in reversed(target.split("/")) if p)
            continue
        real.append(name)
    return "/".join([root, *real])


@contextmanager
def mounted_rootfs(engine: Engine, rec: ContainerRecord) -> Iterator[Path]:
    """The container's merged rootfs: the live mount of a running container, or a temporary
    mount of a stopped one (unmounted on exit)."""
    from pallet.engine.container_start import mount_rootfs
    from pallet.runtime.rootfs import is_mounted, unmount

    merged = container_dir(engine, rec.id) / "merged"
    if merged.is_dir() and is_mounted(str(merged)):
        yield merged
        return
    path = mount_rootfs(engine, rec)
    try:
        yield path
    finally:
        if not read_state(engine, rec).running:
            unmount(str(path))


def write_tar(src: str, name: str, out: BinaryIO, *, owner: tuple[int, int] | None = None) -> None:
    """Write ``src`` (not following it, nor anything under it) to ``out`` as a tar whose
    top entry is ``name``. ``owner`` replaces every uid/gid when given."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, src, name, owner, {})


def _add(
    tar: tarfile.TarFile,
    path: str,
    name: str,
    owner: tuple[int, int] | None,
    links: dict[tuple[int, int], str],
) -> None:
    st = os.lstat(path)
    info = tar.gettarinfo(path, arcname=name)
    info.uname = info.gname = ""
    if owner is not None:
        info.uid, info.gid = owner
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        first = links.setdefault((st.st_dev, st.st_ino), name)
        if first != name:
            info.type, info.linkname, info.size = tarfile.LNKTYPE, first, 0
    if stat.S_ISSOCK(st.st_mode):
        return
    if info.isreg():
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            tar.addfile(info, fh)
        return
    tar.addfile(info)
    if info.isdir():
        for entry in sorted(os.listdir(path)):
            _add(tar, os.path.join(path, entry), f"{name}/{entry}", owner, links)


def _placement(src: str, src_is_dir: bool, dest: str, dest_host: str) -> tuple[str, str]:
    """Where a copy of ``src`` lands, by docker's rules: ``(directory, name)``; name ``.``
    means the source directory's contents go into the directory."""
    try:
        dest_mode: int | None = os.stat(dest_host).st_mode
    except (FileNotFoundError, NotADirectoryError):
        dest_mode = None
    trimmed = src.rstrip("/")
    base = os.path.basename(trimmed) if trimmed else "."
    contents = src.endswith("/.") or src in (".", "/")
    if not src_is_dir:
        if src.endswith("/"):
            raise InvalidArgument(f"{src}: not a directory")
        if dest_mode is not None and stat.S_ISDIR(dest_mode):
            return dest_host, base
        if dest_mode is None and dest.endswith("/"):
            raise NotFound(f'the destination directory "{dest}" must exist: no such directory')
    else:
        if dest_mode is not None and not stat.S_ISDIR(dest_mode):
            raise InvalidArgument(f'cannot copy directory "{src}" to a file "{dest}"')
        if dest_mode is not None:
            return dest_host, "." if contents else base
    parent, leaf = os.path.split(dest_host.rstrip("/"))
    if not os.path.isdir(parent):
        raise NotFound(f"{os.path.dirname(dest.rstrip('/')) or '/'}: no such directory")
    return parent, leaf


def _pipe_copy(src: str, name: str, dest_dir: str, owner: tuple[int, int] | None) -> None:
    """Tar ``src`` as ``name`` and unpack it in ``dest_dir``, through a pipe."""
    from pallet.archive import extract_layer

    r, w = os.pipe()
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(w, "wb") as out:
                write_tar(src, name, out, owner=owner)
        except BaseException as exc:  # reported by the consumer
            errors.append(exc)

    thread = threading.Thread(target=produce, name="pallet-cp", daemon=True)
    thread.start()
    try:
        with os.fdopen(r, "rb") as stream:
            extract_layer(stream, Path(dest_dir), mode="apply")
    except PalletError:
        thread.join()
        if errors and not isinstance(errors[0], BrokenPipeError):
            raise errors[0] from None
        raise
    thread.join()
    if errors:
        raise errors[0]


def _stat_source(host: str, shown: str, where: str) -> bool:
    """Whether the source ``host`` is a directory; NotFound in docker's words if missing."""
    try:
        return stat.S_ISDIR(os.lstat(host).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"Could not find the file {shown} in {where}") from None


def copy_from_container(
    engine: Engine,
    name: str,
    src: str,
    dest: str | BinaryIO,
    *,
    follow_link: bool = False,
    archive: bool = False,
) -> None:
    """``docker cp CONTAINER:SRC DEST``; ``dest`` may be a binary stream (``-``): a tar of
    SRC named by its base name. Owners become the caller's unless ``archive``."""
    rec = resolve_container(engine, name)
    if not src.startswith("/"):
        src = "/" + src
    with mounted_rootfs(engine, rec) as rootfs:
        host = resolve_in_root(str(rootfs), src, follow_last=follow_link)
        is_dir = _stat_source(host, src, f"container {rec.name}")
        if not isinstance(dest, str):
            base = os.path.basename(src.rstrip("/")) or "."
            write_tar(host, "." if src.endswith("/.") else base, dest)
            return
        owner = None if archive else (os.geteuid(), os.getegid())
        dest_dir, leaf = _placement(src, is_dir, dest, os.path.abspath(dest))
        _pipe_copy(host, leaf, dest_dir, owner)


def copy_to_container(
    engine: Engine,
    name: str,
    src: str | BinaryIO,
    dest: str,
    *,
    follow_link: bool = False,
    archive: bool = False,
) -> None:
    """``docker cp SRC CONTAINER:DEST``; ``src`` may be a binary stream (``-``): a tar
    unpacked into the directory DEST. Owners become root's unless ``archive``."""
    from pallet.archive import extract_layer

    rec = resolve_container(engine, name)
    if not dest.startswith("/"):
        dest = "/" + dest
    with mounted_rootfs(engine, rec) as rootfs:
        dest_host = resolve_in_root(str(rootfs), dest)
        if not isinstance(src, str):
            if not os.path.isdir(dest_host) or os.path.islink(dest_host):
                raise NotFound(f"Could not find the file {dest} in container {rec.name}")
            extract_layer(src, Path(dest_host), mode="apply")
            return
        src_host = os.path.abspath(src)
        if follow_link:
            src_host = os.path.realpath(src_host)
        is_dir = _stat_source(src_host, src, "the host")
        owner = None if archive else (0, 0)
        dest_dir, leaf = _placement(src, is_dir, dest, dest_host)
        inside = os.path.realpath(rootfs)
        if not os.path.realpath(dest_dir).startswith(inside):  # moved since it was resolved
            raise InvalidArgument(f"{dest}: the destination is outside the container")
        _pipe_copy(src_host, leaf, dest_dir, owner)
