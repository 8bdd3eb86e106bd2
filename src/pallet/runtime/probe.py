"""Choosing the OCI runtime: crun when it works on this host, else runc.

crun refuses some hosts (a hybrid cgroup v1/v2 layout, for one). Probing costs a few
milliseconds, so the verdict is cached in a small file under the run root and keyed by the
binary's path and mtime: a host is probed once, and again only when crun changes.
"""

from __future__ import annotations

import json
import os

from pallet.errors import InvalidArgument, RuntimeFailure
from pallet.runtime.driver import SubprocessRuntime, _read_all, find_binary, spawn, wait_status

__all__ = ["PROBE_FILE", "probe_crun", "select_runtime"]

PROBE_FILE = "runtime-probe.json"


def probe_crun(path: str, scratch: str) -> str | None:
    """Try a throwaway container with crun; return why it cannot be used, or None if it can.

    The probe's process does not exist, so a working crun fails late, at exec, while a crun
    that cannot set up the container fails early with its reason.
    """
    bundle = os.path.join(scratch, "bundle")
    state = os.path.join(scratch, "state")
    os.makedirs(os.path.join(bundle, "rootfs"), exist_ok=True)
    spec = {
        "ociVersion": "1.0.2",
        "process": {
            "args": ["/nonexistent-pallet-probe"],
            "cwd": "/",
            "user": {"uid": 0, "gid": 0},
        },
        "root": {"path": "rootfs", "readonly": True},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]
        },
    }
    with open(os.path.join(bundle, "config.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh)
    null = os.open(os.devnull, os.O_RDWR)
    err_r, err_w = os.pipe()
    cid = f"pallet-probe-{os.getpid()}"
    try:
        pid = spawn([path, "--root", state, "run", "--bundle", bundle, cid], (null, null, err_w))
        os.close(err_w)
        err = _read_all(err_r).decode(errors="replace").strip()
        code = wait_status(pid)
    finally:
        import shutil

        os.close(null)
        shutil.rmtree(scratch, ignore_errors=True)
    if code == 0 or "nonexistent-pallet-probe" in err or "executable file not found" in err:
        return None
    return err.splitlines()[-1] if err else f"crun exited with {code}"


def select_runtime(
    name: str | None, *, root: str, run_root: str | None = None
) -> tuple[SubprocessRuntime, str]:
    """The runtime to use and a one-time warning for the CLI to print ('' if none).

    ``name`` is ``crun``, ``runc``, a path, or None for "crun if it works here, else runc".
    ``root`` is the runtime's ``--root`` state directory; ``run_root`` (default: its parent)
    holds the probe cache.
    The warning is returned only on the run that probed, so it is shown once per host.
    """
    if name:
        path = find_binary(name)
        if path is None:
            raise InvalidArgument(f"OCI runtime {name!r} not found in $PATH")
        return SubprocessRuntime(path, root), ""
    runc = find_binary("runc")
    crun = find_binary("crun")
    if crun is None:
        if runc is None:
            raise RuntimeFailure("no OCI runtime found: install crun or runc")
        return SubprocessRuntime(runc, root), ""
    run_root = run_root or os.path.dirname(root.rstrip("/"))
    cache = os.path.join(run_root, PROBE_FILE)
    key = f"{crun}:{os.stat(crun).st_mtime_ns}"
    verdict: dict[str, str | None] = {}
    try:
        with open(cache, encoding="utf-8") as fh:
            verdict = json.load(fh)
    except (FileNotFoundError, ValueError):
        pass
    warning = ""
    if verdict.get("key") != key:
        os.makedirs(run_root, exist_ok=True)
        reason = probe_crun(crun, os.path.join(run_root, f".probe-{os.getpid()}"))
        verdict = {"key": key, "reason": reason}
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(verdict, fh)
        os.replace(tmp, cache)
        if reason and runc:
            warning = f"crun cannot run containers on this host ({reason}); using runc"
    if not verdict.get("reason"):
        return SubprocessRuntime(crun, root), warning
    if runc is None:
        raise RuntimeFailure(f"crun cannot run containers here: {verdict['reason']}")
    return SubprocessRuntime(runc, root), warning
