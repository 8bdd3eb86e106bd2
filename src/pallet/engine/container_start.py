"""``start``: mount the rootfs, write the runtime spec, and hand the container to a monitor."""

from __future__ import annotations

import os
from pathlib import Path

from pallet.engine.container_records import ContainerRecord, MountSpec, container_dir
from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, NotFound

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from collections.abc import Callable

    from pallet.runtime.driver import OCIRuntime
    from pallet.runtime.spec import Mount, SpecOptions
    from pallet.store.store import StoreImage

__all__ = [
    "cleanup_container",
    "container_image",
    "mount_rootfs",
    "runtime_for",
    "spec_options",
    "start_container",
]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def runtime_for(engine: Engine) -> OCIRuntime:
    """The OCI runtime for this engine (crun where it works, else runc; probed once)."""
    from pallet.runtime.probe import select_runtime

    runtime, warning = select_runtime(
        engine.runtime_name, root=str(engine.root.run / "runtime"), run_root=str(engine.root.run)
    )
    if warning:
        engine.warnings.append(warning)
    return runtime


def container_image(engine: Engine, rec: ContainerRecord) -> StoreImage | None:
    """The image ``rec`` was made from, or None if it is gone from the store."""
    record = engine.store.images.get(rec.image_id)
    return engine.store.image(record) if record is not None else None


def mount_rootfs(
    engine: Engine,
    rec: ContainerRecord,
    image: StoreImage | None = None,
    *,
    volatile: bool = False,
) -> Path:
    """Mount the container's overlay (idempotent); return the merged directory. ``image``:
    the container's, if the caller has it already. ``volatile`` (the start of a ``--rm``
    container) skips syncs of the upper dir (see ``runtime.rootfs.mount_overlay``)."""
    from pallet.runtime.rootfs import is_mounted, mount_overlay

    cdir = container_dir(engine, rec.id)
    merged = cdir / "merged"
    if merged.is_dir() and is_mounted(str(merged)):
        return merged
    image = image or container_image(engine, rec)
    if image is None:
        raise NotFound(f"image {rec.image_id[7:19]} of container {rec.name} is gone")
    lowers = list(reversed(image.layer_dirs()))
    mount_overlay(lowers, str(cdir / "upper"), str(cdir / "work"), str(merged), volatile=volatile)
    return merged


def parse_bytes(text: str) -> int:
    """``512m``, ``1g``, ``1024`` → bytes (docker's units, binary)."""
    t = text.strip().lower().removesuffix("b") if text.strip().lower() != "b" else "b"
    unit = t[-1] if t and t[-1] in _UNITS else ""
    num = t[:-1] if unit else t
    try:
        return int(float(num) * _UNITS[unit])
    except ValueError:
        raise InvalidArgument(f"invalid size: {text!r}") from None


def _ulimits(items: tuple[str, ...]) -> tuple[object, ...]:
    from pallet.runtime.spec import Ulimit

    out = []
    for item in items:
        name, eq, val = item.partition("=")
        soft, _, hard = val.partition(":")
        try:
            s = -1 if soft in ("-1", "unlimited") else int(soft)
            h = s if not hard else (-1 if hard in ("-1", "unlimited") else int(hard))
        except ValueError:
            raise InvalidArgument(f"invalid ulimit {item!r}: want NAME=SOFT[:HARD]") from None
        if not eq or not name:
            raise InvalidArgument(f"invalid ulimit {item!r}: want NAME=SOFT[:HARD]")
        out.append(Ulimit(name.lower().removeprefix("rlimit_"), s, h))
    return tuple(out)


def _etc_files(engine: Engine, rec: ContainerRecord, hostname: str) -> list[Mount]:
    from pallet.engine.bundle import ETC_FILES, write_etc_files
    from pallet.runtime.spec import Mount

    cdir = container_dir(engine, rec.id)
    write_etc_files(
        str(cdir), network=rec.options.network or "host", hostname=hostname, name=rec.name
    )
    return [Mount(f"/etc/{n}", str(cdir / n), "bind", ("rbind", "rprivate")) for n in ETC_FILES]


def _user_mounts(engine: Engine, mounts: tuple[MountSpec, ...]) -> list[Mount]:
    from pallet.runtime.spec import Mount

    out = []
    for m in mounts:
        if m.type == "tmpfs":
            out.append(Mount(m.target, "tmpfs", "tmpfs", m.options or ("rw", "nosuid", "nodev")))
            continue
        source = m.source
        if m.type == "volume":
            from pallet.engine.volumes import volume_path

            source = str(volume_path(engine, m.source, create=True))
        elif not os.path.exists(source):
            raise InvalidArgument(
                f"invalid mount config: bind source path does not exist: {source}"
            )
        opts = tuple(o for o in m.options if o not in ("ro", "rw", "readonly"))
        opts = ("rbind", "ro" if m.read_only else "rw", *opts)
        out.append(Mount(m.target, source, "bind", opts))
    return out


def own_capabilities() -> tuple[str, ...]:
    """The capabilities in this process's bounding set (``--privileged`` gets these)."""
    from pallet.runtime.spec import ALL_CAPABILITIES

    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            line = next(ln for ln in fh if ln.startswith("CapBnd:"))
    except (OSError, StopIteration):
        return ()
    mask = int(line.split()[1], 16)
    return tuple(c for c in ALL_CAPABILITIES if mask >> _CAP_NUMBERS.get(c, 63) & 1)


_CAP_NUMBERS = {
    "CAP_CHOWN": 0,
    "CAP_DAC_OVERRIDE": 1,
    "CAP_DAC_READ_SEARCH": 2,
    "CAP_FOWNER": 3,
    "CAP_FSETID": 4,
    "CAP_KILL": 5,
    "CAP_SETGID": 6,
    "CAP_SETUID": 7,
    "CAP_SETPCAP": 8,
    "CAP_LINUX_IMMUTABLE": 9,
    "CAP_NET_BIND_SERVICE": 10,
    "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12,
    "CAP_NET_RAW": 13,
    "CAP_IPC_LOCK": 14,
    "CAP_IPC_OWNER": 15,
    "CAP_SYS_MODULE": 16,
    "CAP_SYS_RAWIO": 17,
    "CAP_SYS_CHROOT": 18,
    "CAP_SYS_PTRACE": 19,
    "CAP_SYS_PACCT": 20,
    "CAP_SYS_ADMIN": 21,
    "CAP_SYS_BOOT": 22,
    "CAP_SYS_NICE": 23,
    "CAP_SYS_RESOURCE": 24,
    "CAP_SYS_TIME": 25,
    "CAP_SYS_TTY_CONFIG": 26,
    "CAP_MKNOD": 27,
    "CAP_LEASE": 28,
    "CAP_AUDIT_WRITE": 29,
    "CAP_AUDIT_CONTROL": 30,
    "CAP_SETFCAP": 31,
    "CAP_MAC_OVERRIDE": 32,
    "CAP_MAC_ADMIN": 33,
    "CAP_SYSLOG": 34,
    "CAP_WAKE_ALARM": 35,
    "CAP_BLOCK_SUSPEND": 36,
    "CAP_AUDIT_READ": 37,
    "CAP_PERFMON": 38,
    "CAP_BPF": 39,
    "CAP_CHECKPOINT_RESTORE": 40,
}


def _init_path() -> str:
    import shutil

    for name in ("catatonit", "tini-static", "tini"):
        path = shutil.which(name) or (
            f"/usr/libexec/podman/{name}" if os.path.exists(f"/usr/libexec/podman/{name}") else None
        )
        if path:
            return path
    raise NotFound("--init: no init binary (catatonit or tini) found on the host")


def spec_options(
    engine: Engine,
    rec: ContainerRecord,
    rootfs: Path,
    args: tuple[str, ...],
    image: StoreImage | None = None,
) -> SpecOptions:
    """The runtime spec options for a container, from its record and its image (``image``,
    if the caller has it already)."""
    from pallet.runtime.seccomp import default_seccomp
    from pallet.runtime.spec import SpecOptions, effective_capabilities
    from pallet.runtime.user import resolve_user

    o = rec.options
    image = image or container_image(engine, rec)
    cfg = image.config.config if image is not None else None
    env: dict[str, str] = {}
    for item in cfg.env if cfg else ():
        k, _, v = item.partition("=")
        env[k] = v
    env.setdefault("PATH", DEFAULT_PATH)
    if o.tty:
        env.setdefault("TERM", "xterm")
    hostname = o.hostname or rec.id[:12]
    env["HOSTNAME"] = hostname
    for item in o.env:
        k, eq, v = item.partition("=")
        if eq:
            env[k] = v
        elif k in os.environ:
            env[k] = os.environ[k]
    user = resolve_user(str(rootfs), o.user or (cfg.user if cfg else "") or "0")
    cwd = o.workdir or (cfg.working_dir if cfg else "") or "/"
    if not cwd.startswith("/"):
        raise InvalidArgument(
            f"the working directory {cwd!r} is invalid, it needs to be an absolute path"
        )
    from pallet.engine.bundle import ensure_workdir

    ensure_workdir(str(rootfs), cwd)
    env.setdefault("HOME", user.home or "/root")
    no_new_privs = False
    seccomp_off = False
    for sec in o.security_opt:
        if sec in ("no-new-privileges", "no-new-privileges=true", "no-new-privileges:true"):
            no_new_privs = True
        elif sec in ("seccomp=unconfined", "seccomp:unconfined"):
            seccomp_off = True
        elif sec.startswith(("label=", "label:", "apparmor=", "apparmor:")):
            continue
        else:
            raise InvalidArgument(f"invalid --security-opt {sec!r}")
    caps = effective_capabilities(o.cap_add, o.cap_drop, o.privileged)
    network = o.network or "host"
    if network not in ("host", "none"):
        raise InvalidArgument(f"network {network!r} is not supported yet: use host or none")
    mounts = _etc_files(engine, rec, hostname) + _user_mounts(engine, o.mounts)
    return SpecOptions(
        args=args,
        rootfs=str(rootfs),
        env=tuple(f"{k}={v}" for k, v in env.items()),
        cwd=cwd,
        uid=user.uid,
        gid=user.gid,
        additional_gids=user.additional_gids,
        home=user.home,
        terminal=o.tty,
        hostname=hostname,
        readonly_rootfs=o.read_only,
        mounts=tuple(mounts),
        cap_add=o.cap_add,
        cap_drop=o.cap_drop,
        privileged=o.privileged,
        no_new_privileges=no_new_privs,
        network=network,
        memory=o.memory,
        cpus=o.cpus,
        pids_limit=o.pids_limit,
        ulimits=_ulimits(o.ulimits),  # type: ignore[arg-type]
        seccomp=None if (seccomp_off or o.privileged) else default_seccomp(caps),
        cgroups_path=f"/pallet/{rec.id}",
        sysctls=o.sysctls,
        annotations=(("org.opencontainers.image.stopSignal", o.stop_signal),)
        if o.stop_signal
        else (),
        init_path=_init_path() if o.init else "",
        available_caps=own_capabilities() if o.privileged else (),
    )


def cleanup_container(
    engine: Engine,
    rec: ContainerRecord,
    runtime: OCIRuntime,
    *,
    delete_state: bool = True,
    lazy: bool = False,
) -> None:
    """After the final exit: delete the runtime's state and unmount the rootfs."""
    from pallet.runtime.rootfs import unmount

    if delete_state:
        try:
            runtime.delete(rec.id, force=True)
        except Exception:  # already gone
            pass
    merged = container_dir(engine, rec.id) / "merged"
    if merged.exists():
        unmount(str(merged), lazy=lazy)


def start_container(
    engine: Engine,
    rec: ContainerRecord,
    *,
    attach: bool = False,
    on_removed: Callable[[], None] | None = None,
) -> int:
    """Start ``rec`` under a new monitor; return the monitor's pid.

    With ``attach`` the monitor keeps the output from the start for the first client.
    ``--rm`` containers remove themselves (record, directory) when they exit for good.
    """
    from pallet import jsonlite
    from pallet.engine.bundle import exit_hooks, preload_exit_hooks, write_config
    from pallet.runtime.monitor import MonitorOptions, parse_restart
    from pallet.runtime.monitor import spawn as spawn_monitor
    from pallet.runtime.spec import build_spec

    runtime = runtime_for(engine)
    cdir = container_dir(engine, rec.id)
    image = container_image(engine, rec)
    rootfs = mount_rootfs(engine, rec, image, volatile=rec.options.auto_remove)
    try:
        spec = build_spec(spec_options(engine, rec, rootfs, (rec.path, *rec.args), image))
        spec["root"]["path"] = "merged"
        spec["hostname"] = spec.get("hostname") or os.uname().nodename
        write_config(str(cdir), jsonlite.dumps(spec))
    except BaseException:
        cleanup_container(engine, rec, runtime)
        raise

    # in the monitor: ``cleanup`` after the final exit, ``purge`` once ``run`` was let go
    cleanup, purge = exit_hooks(str(engine.root.path), rec.id, rec.options.auto_remove)
    opts = MonitorOptions(
        container_id=rec.id,
        container_dir=str(cdir),
        bundle=str(cdir),
        runtime=runtime,
        terminal=rec.options.tty,
        stdin=rec.options.interactive,
        attach=attach,
        restart=parse_restart(rec.options.restart),
        cleanup=cleanup,
        purge=purge,
        preload=preload_exit_hooks,
        log_path=str(cdir / "ctr.log"),
        defer_delete=rec.options.auto_remove,
    )
    try:
        (cdir / "paused").unlink(missing_ok=True)
        return spawn_monitor(opts)
    except BaseException:
        cleanup()
        purge()
        raise
