"""The files ``start`` writes into a container's directory each time, and the hooks that undo
a start: shared by ``start_container`` and a prepared ``run`` (``pallet.cli.quickrun``).

Import-light on purpose (no ``pathlib``, ``json`` or ``dataclasses``): a prepared ``run``
and the container's monitor import it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ETC_FILES",
    "ensure_workdir",
    "exit_hooks",
    "preload_exit_hooks",
    "remove_tree",
    "write_config",
    "write_etc_files",
]

#: The files of /etc a container gets from its directory (bind mounts), in mount order.
ETC_FILES = ("hosts", "hostname", "resolv.conf")


def write_etc_files(cdir: str, *, network: str, hostname: str, name: str) -> None:
    """Write the container's /etc/hosts, /etc/hostname and /etc/resolv.conf into ``cdir``.

    ``network`` host shares the host's hosts file; other modes get localhost only. Both
    get a line for the container's own host name and name.
    """
    hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    if network == "host":
        try:
            with open("/etc/hosts", encoding="utf-8") as fh:
                hosts = fh.read()
        except OSError:
            pass
    hosts += f"127.0.1.1\t{hostname} {name}\n"
    try:
        with open("/etc/resolv.conf", "rb") as fh:
            resolv = fh.read()
    except OSError:
        resolv = b""
    for fname, data in (
        ("hosts", hosts.encode()),
        ("hostname", f"{hostname}\n".encode()),
        ("resolv.conf", resolv),
    ):
        with open(os.path.join(cdir, fname), "wb") as out:
            out.write(data)


def ensure_workdir(rootfs: str, cwd: str) -> None:
    """Create the working directory in the container's rootfs if the image lacks it (as
    docker does; it lands in the container's upper dir)."""
    target = os.path.join(rootfs, cwd.lstrip("/"))
    if not os.path.exists(target) and not os.path.islink(target):
        os.makedirs(target, exist_ok=True)


def write_config(cdir: str, text: str) -> None:
    """Replace the bundle's config.json with ``text`` (temp file + rename)."""
    from pallet.store.atomic import atomic_write

    atomic_write(os.path.join(cdir, "config.json"), text.encode(), durable=False)


def exit_hooks(
    root: str, cid: str, auto_remove: bool
) -> tuple[Callable[[], None], Callable[[], None]]:
    """The monitor's ``cleanup`` and ``purge`` for a container of the store at ``root``.

    ``cleanup`` (after the final exit; the monitor has deleted the runtime's state already)
    unmounts the rootfs and, for ``--rm``, drops the record and moves the directory to
    ``tmp/``. ``purge`` (after attached clients were let go) deletes what was moved.
    """
    trash: list[str] = []

    def cleanup() -> None:
        from pallet.runtime.rootfs import unmount

        merged = os.path.join(root, "containers", cid, "merged")
        if os.path.exists(merged):
            unmount(merged, lazy=True)
        if auto_remove:
            from pallet.engine.records_file import retire

            trash.append(retire(root, cid))

    def purge() -> None:
        for path in filter(None, trash):
            remove_tree(path)

    return cleanup, purge


def remove_tree(path: str) -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` without importing ``shutil``, which brings
    ``fnmatch`` and ``re`` (~10 ms of CPU in every ``--rm`` monitor). Symlinks are removed,
    never followed."""
    for top, dirs, names in os.walk(path, topdown=False):
        for name in names:
            try:
                os.unlink(os.path.join(top, name))
            except OSError:
                pass
        for name in dirs:
            sub = os.path.join(top, name)
            try:
                if os.path.islink(sub):
                    os.unlink(sub)
                else:
                    os.rmdir(sub)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def preload_exit_hooks() -> None:
    """Import what ``exit_hooks`` will need (in the monitor, while the runtime starts the
    container)."""
    import pallet.engine.records_file
    import pallet.runtime.rootfs
    import pallet.store.staging  # noqa: F401
