"""A container's root filesystem: an overlay of the image's layers under a private upper dir.

mount(2) is called directly (``runtime.libc``: spawning /bin/mount costs more than the whole
mount). Overlay's mount data must fit in one
page, so with many layers the lowerdirs are given relative to their common parent directory,
and the mount is made from that directory (with ``fchdir``) — the trick podman's ``l/`` links
serve; when even that is too long, a ``l/`` directory of short symlinks next to the
container's upper dir is made.
"""

from __future__ import annotations

import os

from pallet.errors import RuntimeFailure
from pallet.runtime import libc

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence


__all__ = ["EMPTY_LOWER", "is_mounted", "mount_overlay", "unmount"]

#: Name of the empty directory used as the only lowerdir of an image without layers.
EMPTY_LOWER = "empty"
_PAGE = os.sysconf("SC_PAGESIZE") if hasattr(os, "sysconf") else 4096


def _mount(source: str, target: str, fstype: str, data: str) -> None:
    try:
        libc.call("mount", source.encode(), target.encode(), fstype.encode(), 0, data.encode())
    except OSError as exc:
        raise RuntimeFailure(f"mount {fstype} on {target}: {exc.strerror} ({data[:200]})") from None


def _common_parent(paths: Sequence[str]) -> str:
    parent = os.path.commonpath([os.path.dirname(p) for p in paths])
    return parent if parent != "/" else ""


def _escape(path: str) -> str:
    # overlay splits lowerdir on ':' and option values on ','
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def mount_overlay(
    lowers: Sequence[str], upper: str, work: str, target: str, *, volatile: bool = False
) -> None:
    """Mount an overlay at ``target``: ``lowers`` top-most first (overlay's order), writes go
    to ``upper`` (``work`` is overlay's scratch dir on the same filesystem).

    An image with no layers passes no lowers: an empty directory next to ``upper`` is used,
    since overlay needs at least one lowerdir.

    ``volatile`` (for containers removed when they exit, as podman does for ``--rm``) skips
    every sync of the upper dir: its unmount then does not wait for the whole host
    filesystem to be synced (milliseconds, or far more on a busy disk). An upper dir mounted
    so is not kept across a host crash, which a ``--rm`` container never needs. Kernels
    before 5.10 lack the option: the mount is then made without it.

    The kernel refuses to mount an upper dir again once it was mounted volatile (it leaves
    ``WORK/work/incompat/volatile`` behind) until that marker is removed; it is, here: the
    earlier mount was undone cleanly, or the host crashed under a disposable ``--rm`` upper.
    """
    incompat = os.path.join(work, "work", "incompat")
    if os.path.isdir(incompat):
        import shutil

        shutil.rmtree(incompat)
    if volatile:
        try:
            _mount_overlay(lowers, upper, work, target, ",volatile")
            return
        except RuntimeFailure:
            pass
    _mount_overlay(lowers, upper, work, target, "")


def _mount_overlay(lowers: Sequence[str], upper: str, work: str, target: str, extra: str) -> None:
    for d in (upper, work, target):
        os.makedirs(d, exist_ok=True)
    lowers = [os.path.abspath(p) for p in lowers]
    if not lowers:
        empty = os.path.join(os.path.dirname(os.path.abspath(upper)), EMPTY_LOWER)
        os.makedirs(empty, exist_ok=True)
        lowers = [empty]
    upper, work = os.path.abspath(upper), os.path.abspath(work)
    data = (
        f"lowerdir={':'.join(map(_escape, lowers))},upperdir={_escape(upper)},"
        f"workdir={_escape(work)}{extra}"
    )
    if len(data) < _PAGE - 1:
        _mount("overlay", os.path.abspath(target), "overlay", data)
        return
    parent = _common_parent(lowers)
    rel = [os.path.relpath(p, parent) for p in lowers] if parent else []
    data = (
        f"lowerdir={':'.join(map(_escape, rel))},upperdir={_escape(upper)},"
        f"workdir={_escape(work)}{extra}"
    )
    if not parent or len(data) >= _PAGE - 1:
        # podman's l/ directory: short symlinks to each layer, next to this container's upper
        parent = os.path.join(os.path.dirname(upper), "l")
        os.makedirs(parent, exist_ok=True)
        for i, lower in enumerate(lowers):
            link = os.path.join(parent, f"{i:x}")
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(lower, link)
        rel = [f"{i:x}" for i in range(len(lowers))]
        data = f"lowerdir={':'.join(rel)},upperdir={_escape(upper)},workdir={_escape(work)}{extra}"
        if len(data) >= _PAGE - 1:
            raise RuntimeFailure(f"overlay options too long for {len(lowers)} layers")
    # Relative lowerdirs resolve against the mounting process's cwd; a forked child does the
    # mount so that the caller's cwd (and its threads') never changes.
    target = os.path.abspath(target)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.chdir(parent)
            _mount("overlay", target, "overlay", data)
        except BaseException as exc:
            os.write(2, f"{exc}\n".encode())
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeFailure(f"mount overlay on {target} with {len(lowers)} layers failed")


def is_mounted(target: str) -> bool:
    """Whether ``target`` is a mount point in this mount namespace."""
    target = os.path.abspath(target)
    with open("/proc/self/mountinfo", "rb") as fh:
        for line in fh:
            fields = line.split(b" ", 5)
            if len(fields) > 4 and _unescape(fields[4]) == target:
                return True
    return False


def _unescape(raw: bytes) -> str:
    text = raw.decode(errors="surrogateescape")
    if "\\" not in text:
        return text
    return (
        text.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
    )


def unmount(target: str, *, lazy: bool = False) -> None:
    """Unmount ``target`` if it is mounted; fall back to a lazy detach if it is busy.

    ``lazy`` detaches at once (for a container that has exited: nothing holds the mount, so
    the kernel frees it right away, without the caller waiting on it)."""
    path = os.path.abspath(target).encode()
    err: OSError | None = None
    for flags in (libc.MNT_DETACH,) if lazy else (0, libc.MNT_DETACH):
        try:
            libc.call("umount2", path, flags)
            return
        except OSError as exc:
            if exc.errno in (22, 2):  # EINVAL: not a mount point; ENOENT: gone
                return
            err = exc
    raise RuntimeFailure(f"unmount {target}: {err.strerror if err else 'failed'}")
