"""Prepared runs: the record and runtime spec of a ``run``, saved to be replayed.

See ``pallet.cli.quickrun`` for when a command line is prepared and replayed. This module
does the engine's part: it saves what a full ``run`` made (the record, config.json, the
layers, the runtime), checks that nothing it was made from has changed, and replays it: a
new id and name, the record added to ``containers.json``, the overlay mounted, the /etc files
and config.json written, the same monitor started and attached to.

Import-light on purpose: no ``json``, ``pathlib``, ``dataclasses``, nor the store's image
and layer modules, which cost ``run`` ~40 ms between them. A prepared run is used only while
every input it was made from is unchanged; each is in its key or stamped (path, mtime, size,
inode):

- the command line, the store and run directories, ``PALLET_RUNTIME`` and ``PATH``, the
  caller's hard rlimits, which the spec's rlimits are clamped to, the kernel release
  (seccomp), and where pallet's own code is (the key);
- ``images.json`` (tags, image removal), the seccomp profile, the runtime probe's verdict,
  the OCI runtimes on ``PATH``, and every pallet module that was loaded when the prepared
  run was saved (the stamps).
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from pallet.engine.container_records import ContainerRecord
    from pallet.engine.context import Engine

__all__ = ["KEEP", "NotPrepared", "load", "prune", "replay", "save", "store_dirs"]

FORMAT = 1
#: Prepared runs kept per run directory; the least recently used go first.
KEEP = 64
#: The environment a run depends on beyond the store's directories (which the key holds
#: resolved, so PALLET_ROOT, PALLET_RUNROOT and XDG_DATA_HOME need not be in it).
_ENV = ("PALLET_RUNTIME", "PATH")


class NotPrepared(Exception):
    """The prepared run cannot be used after all (raised before anything was changed)."""


def store_dirs(root: str | None, run: str | None) -> tuple[str, str]:
    """The store root and run directory for ``--root`` / ``--runroot``."""
    from pallet.store.locations import store_dirs as dirs

    return dirs(root, run)


def _key(args: list[str], dirs: tuple[str, str]) -> bytes:
    import resource

    limits = tuple(
        resource.getrlimit(r)[1] for r in (resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC)
    )
    env = tuple(os.environ.get(k) for k in _ENV)
    code = os.path.dirname(str(sys.modules["pallet"].__file__))  # this installation's
    kernel = os.uname().release  # the seccomp filter depends on it (minKernel)
    # repr, not marshal: marshal's output depends on reference counts, so equal keys made in
    # two processes (or two code paths) could differ
    return repr((FORMAT, tuple(args), dirs, env, limits, os.geteuid(), kernel, code)).encode()


def _path(run_dir: str, key: bytes) -> str:
    import _sha256  # type: ignore[import-not-found]

    return os.path.join(run_dir, "prepared", _sha256.sha256(key).hexdigest()[:40])


def _stamp(path: str) -> tuple[str, int, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1, -1)
    return (path, st.st_mtime_ns, st.st_size, st.st_ino)


def load(root: str, run_dir: str, args: list[str]) -> dict[str, Any] | None:
    """The prepared run of the command line ``args`` in the store at ``root`` (``run_dir``
    its run directory), if there is one and it is current."""
    key = _key(args, (root, run_dir))
    path = _path(run_dir, key)
    try:
        with open(path, "rb") as fh:
            t = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(t, dict) or t.get("key") != key:
        return None
    if any(_stamp(s[0]) != tuple(s) for s in t["stamps"]):
        return None
    try:  # used: ``prune`` keeps the most recently used
        os.utime(path)
    except OSError:
        pass
    return t


# -- replay --------------------------------------------------------------------------------
def replay(t: dict[str, Any], root: str) -> int:
    """Create and run the container ``t`` describes, in the store at ``root``; return the
    exit code as ``run`` does (0 for ``-d``, after printing the id). Raises NotPrepared,
    having changed nothing, when the container's fixed name is taken."""
    from pallet.clock import now_rfc3339
    from pallet.engine.names import pick_name
    from pallet.engine.records_file import RawTransaction

    cid = os.urandom(32).hex()
    cdir = os.path.join(root, "containers", cid)
    record = dict(t["record"])
    record["id"] = cid
    record["created"] = now_rfc3339()
    with RawTransaction(root) as records:
        taken = {str(r.get("name")) for r in records.values()}
        if t["fixed_name"]:
            if record["name"] in taken:
                raise NotPrepared  # raised inside: nothing is written
        else:
            record["name"] = pick_name(taken)
            record["options"] = dict(record["options"], name=record["name"])
        os.makedirs(cdir, mode=0o700)
        records[cid] = record
    return _start(t, root, cid, cdir, record["name"])


def _start(t: dict[str, Any], root: str, cid: str, cdir: str, name: str) -> int:
    from pallet.engine.bundle import ensure_workdir, exit_hooks, write_config, write_etc_files
    from pallet.runtime.driver import SubprocessRuntime
    from pallet.runtime.monitor import MonitorOptions, RestartPolicy, spawn
    from pallet.runtime.rootfs import mount_overlay

    old = t["old_id"]
    auto_remove = t["auto_remove"]
    cleanup, purge = exit_hooks(root, cid, auto_remove)
    merged = os.path.join(cdir, "merged")
    try:
        mount_overlay(
            t["lowers"],
            os.path.join(cdir, "upper"),
            os.path.join(cdir, "work"),
            merged,
            volatile=auto_remove,
        )
        write_etc_files(cdir, network=t["network"], hostname=t["hostname"] or cid[:12], name=name)
        ensure_workdir(merged, t["cwd"])
        # the saved spec names the container that saved it: its id (a random 256-bit value,
        # found nowhere else) in paths and the cgroup, its first 12 digits as the host name
        write_config(cdir, t["spec"].replace(old, cid).replace(old[:12], cid[:12]))
        opts = MonitorOptions(
            cid,
            cdir,
            cdir,
            SubprocessRuntime(*t["runtime"]),
            terminal=t["tty"],
            stdin=t["interactive"],
            attach=not t["detach"],
            restart=RestartPolicy(*t["restart"]),
            cleanup=cleanup,
            purge=purge,
            preload=_preload,
            log_path=os.path.join(cdir, "ctr.log"),
            defer_delete=auto_remove,
        )
        if not t["detach"]:
            import pallet.runtime.attach  # noqa: F401 - now, not once the container runs
        spawn(opts, orphan=False)  # the command exits soon: no second fork
    except BaseException:
        cleanup()
        purge()
        raise
    if t["detach"]:
        print(cid)
        return 0
    from pallet.runtime.attach import connect

    sys.stdout.flush()
    with connect(cdir) as client:
        code = client.pump(stdin=0 if t["interactive"] else None, tty=t["tty"])
    return 0 if code is None else code


def _preload() -> None:
    from pallet.engine.bundle import preload_exit_hooks

    preload_exit_hooks()


# -- saving --------------------------------------------------------------------------------
def save(
    engine: Engine,
    rec: ContainerRecord,
    args: list[str],
    *,
    fixed_name: bool,
    detach: bool,
) -> None:
    """Save the started container ``rec`` as the prepared run of the command line ``args``
    (the caller decides that it can be replayed)."""
    from pallet.engine.container_records import container_dir
    from pallet.engine.container_start import container_image, runtime_for
    from pallet.runtime.probe import PROBE_FILE
    from pallet.runtime.seccomp import DEFAULT_PROFILE_PATH

    image = container_image(engine, rec)
    if image is None:
        return
    cdir = container_dir(engine, rec.id)
    with open(cdir / "config.json", encoding="utf-8") as fh:
        spec_text = fh.read()
    from pallet import jsonlite

    cwd = jsonlite.loads(spec_text)["process"].get("cwd") or "/"
    warnings = list(engine.warnings)
    runtime = runtime_for(engine)
    engine.warnings[:] = warnings  # the caller prints the run's own
    modules = sorted(
        str(m.__file__)
        for name, m in list(sys.modules.items())
        if name.startswith("pallet") and getattr(m, "__file__", None)
    )
    runtimes = [  # where the automatic choice of runtime looks (and what it found)
        os.path.join(d, name)
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d
        for name in ("crun", "runc")
    ]
    inputs = (
        str(engine.root.images_file),
        DEFAULT_PROFILE_PATH,
        os.path.join(str(engine.root.run), PROBE_FILE),
        runtime.path,
        *runtimes,
        *modules,
    )
    o = rec.options
    restart = o.restart.partition(":")
    key = _key(args, (str(engine.root.path), str(engine.root.run)))
    template = {
        "key": key,
        "stamps": [_stamp(p) for p in inputs],
        "record": rec.to_json(),
        "old_id": rec.id,
        "fixed_name": fixed_name,
        "spec": spec_text,
        "lowers": [str(p) for p in reversed(image.layer_dirs())],
        "network": o.network or "host",
        "hostname": o.hostname,
        "cwd": cwd,
        "runtime": (runtime.path, runtime.root, runtime.name),
        "tty": o.tty,
        "interactive": o.interactive,
        "detach": detach,
        "auto_remove": o.auto_remove,
        "restart": (restart[0] or "no", int(restart[2] or 0)),
    }
    path = _path(str(engine.root.run), key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(marshal.dumps(template))
    os.replace(tmp, path)
    prune(os.path.dirname(path), KEEP)


def prune(directory: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently saved or used prepared runs in ``directory``
    (a script running ever new command lines must not fill the disk)."""
    try:  # not the temp files of saves in flight
        entries = [e for e in os.scandir(directory) if e.is_file() and "." not in e.name]
    except FileNotFoundError:
        return
    if len(entries) <= keep:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
    for e in entries[keep:]:
        try:
            os.unlink(e.path)
        except FileNotFoundError:
            pass
