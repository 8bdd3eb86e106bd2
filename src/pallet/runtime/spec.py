"""The OCI runtime spec (config.json) for a container: a pure function of its run options.

``build_spec`` follows podman 4's defaults: its capability set, masked and read-only paths,
default mounts and namespaces. Everything that needs I/O (resolving the user, reading the
seccomp profile, listing host devices, preparing /etc/hosts) is done by the caller and passed
in through :class:`SpecOptions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pallet.errors import InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = [
    "ALL_CAPABILITIES",
    "DEFAULT_CAPABILITIES",
    "INIT_PATH",
    "Device",
    "Mount",
    "SpecOptions",
    "Ulimit",
    "build_spec",
    "current_hard_limits",
    "effective_capabilities",
]

OCI_VERSION = "1.0.2"
#: Where ``--init``'s binary (catatonit or tini from the host) appears inside the container.
INIT_PATH = "/run/pallet-init"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#: podman 4's default capability set (containers.conf ``default_capabilities``).
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
)

#: Every capability Linux knows (0 .. CAP_CHECKPOINT_RESTORE), in kernel order.
ALL_CAPABILITIES: tuple[str, ...] = tuple(
    "CAP_" + n
    for n in [
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ]
)

MASKED_PATHS: tuple[str, ...] = (
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
)
READONLY_PATHS: tuple[str, ...] = (
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
)

#: podman's default for nofile and nproc; always clamped to the caller's hard limit.
DEFAULT_ULIMIT = 1048576
_RLIMIT_NAMES = frozenset(
    [
        "as",
        "core",
        "cpu",
        "data",
        "fsize",
        "locks",
        "memlock",
        "msgqueue",
        "nice",
        "nofile",
        "nproc",
        "rss",
        "rtprio",
        "rttime",
        "sigpending",
        "stack",
    ]
)
_IGNORED_MOUNT_OPTS = frozenset({"z", "Z", "U", "O", "copy", "nocopy"})


@dataclass(frozen=True, slots=True)
class Mount:
    """A mount the caller asks for: ``bind`` (also named volumes, resolved to a host path),
    ``tmpfs``, or any other filesystem type. ``options`` are the user's (``ro``, ``rw``,
    ``z``/``Z`` — ignored without SELinux — ``size=``, ``mode=`` ...)."""

    destination: str
    source: str = ""
    type: str = "bind"
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ulimit:
    """One ``--ulimit NAME=SOFT[:HARD]``; ``name`` without the ``RLIMIT_`` prefix."""

    name: str
    soft: int
    hard: int


@dataclass(frozen=True, slots=True)
class Device:
    """A device node to create in the container (``--privileged`` passes the host's)."""

    path: str
    type: str  # "c" or "b"
    major: int
    minor: int
    file_mode: int = 0o666
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True, slots=True)
class SpecOptions:
    """Everything ``build_spec`` needs; defaults are podman's."""

    args: tuple[str, ...]
    rootfs: str
    env: tuple[str, ...] = ()
    cwd: str = "/"
    uid: int = 0
    gid: int = 0
    additional_gids: tuple[int, ...] = ()
    home: str = ""
    terminal: bool = False
    hostname: str = ""
    readonly_rootfs: bool = False
    mounts: tuple[Mount, ...] = ()
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    no_new_privileges: bool = False
    network: str = "none"  # "host", "none", or the path of a network namespace
    memory: int = 0
    memory_swap: int = 0  # 0: twice ``memory`` as docker does; -1: unlimited
    cpus: float = 0.0
    pids_limit: int = 0
    ulimits: tuple[Ulimit, ...] = ()
    seccomp: dict[str, Any] | None = field(default=None, hash=False)
    cgroups_path: str = ""
    annotations: tuple[tuple[str, str], ...] = ()
    oom_score_adj: int | None = None
    sysctls: tuple[tuple[str, str], ...] = ()
    devices: tuple[Device, ...] = ()
    init_path: str = ""
    umask: int = 0o022
    available_caps: tuple[str, ...] = ()  # the caller's bounding set; () means "all"


def _cap_name(name: str) -> str:
    name = name.upper()
    return name if name.startswith("CAP_") else "CAP_" + name


def effective_capabilities(
    cap_add: tuple[str, ...] = (), cap_drop: tuple[str, ...] = (), privileged: bool = False
) -> tuple[str, ...]:
    """The bounding set after ``--cap-add``/``--cap-drop`` (``ALL`` allowed in either)."""
    if privileged:
        return ALL_CAPABILITIES
    adds = {_cap_name(c) for c in cap_add}
    drops = {_cap_name(c) for c in cap_drop}
    for cap in (adds | drops) - {"CAP_ALL"}:
        if cap not in ALL_CAPABILITIES:
            raise InvalidArgument(f"unknown capability {cap!r}")
    base = set() if "CAP_ALL" in drops else set(DEFAULT_CAPABILITIES)
    if "CAP_ALL" in adds:
        base = set(ALL_CAPABILITIES)
    caps = (base | adds) - drops
    return tuple(c for c in ALL_CAPABILITIES if c in caps)


def _default_mounts(o: SpecOptions) -> list[dict[str, Any]]:
    sys_opt = "rw" if o.privileged else "ro"
    mounts: list[dict[str, Any]] = [
        {
            "destination": "/proc",
            "type": "proc",
            "source": "proc",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/dev",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
        },
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        },
        {
            "destination": "/dev/shm",
            "type": "tmpfs",
            "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        },
        {
            "destination": "/dev/mqueue",
            "type": "mqueue",
            "source": "mqueue",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/sys",
            "type": "sysfs",
            "source": "sysfs",
            "options": ["nosuid", "noexec", "nodev", sys_opt],
        },
        {
            "destination": "/sys/fs/cgroup",
            "type": "cgroup",
            "source": "cgroup",
            "options": ["nosuid", "noexec", "nodev", "relatime", sys_opt],
        },
    ]
    if o.readonly_rootfs:  # podman's --read-only-tmpfs default
        for dest in ("/tmp", "/var/tmp", "/run"):
            mounts.append(
                {
                    "destination": dest,
                    "type": "tmpfs",
                    "source": "tmpfs",
                    "options": ["rw", "nosuid", "nodev", "noexec", "mode=1777"],
                }
            )
    return mounts


def _user_mount(m: Mount) -> dict[str, Any]:
    if not m.destination.startswith("/"):
        raise InvalidArgument(f"invalid mount destination {m.destination!r}: must be absolute")
    opts = [x for x in m.options if x and x not in _IGNORED_MOUNT_OPTS]
    if m.type in ("bind", "volume"):
        if not m.source:
            raise InvalidArgument(f"bind mount to {m.destination} needs a source")
        extra = [x for x in opts if x not in ("ro", "rw")]
        ro = "ro" in opts and "rw" not in opts
        if not any(x in ("bind", "rbind") for x in extra):
            extra.insert(0, "rbind")
        if not any(
            x.endswith("private") or x.endswith("shared") or x.endswith("slave") for x in extra
        ):
            extra.append("rprivate")
        return {
            "destination": m.destination,
            "type": "bind",
            "source": m.source,
            "options": [*extra, "ro" if ro else "rw"],
        }
    if m.type == "tmpfs":
        base = ["rw", "noexec", "nosuid", "nodev"]
        for x in opts:
            key = x.split("=", 1)[0]
            if x in ("exec", "noexec", "ro", "rw", "suid", "nosuid", "dev", "nodev"):
                flip = {
                    "exec": "noexec",
                    "noexec": "exec",
                    "ro": "rw",
                    "rw": "ro",
                    "suid": "nosuid",
                    "nosuid": "suid",
                    "dev": "nodev",
                    "nodev": "dev",
                }
                base = [b for b in base if b != flip[x] and b != x] + [x]
            else:
                base = [b for b in base if b.split("=", 1)[0] != key] + [x]
        return {
            "destination": m.destination,
            "type": "tmpfs",
            "source": m.source or "tmpfs",
            "options": base,
        }
    return {
        "destination": m.destination,
        "type": m.type,
        "source": m.source or m.type,
        "options": opts,
    }


def _env(o: SpecOptions) -> list[str]:
    env = list(o.env)
    keys = {e.split("=", 1)[0] for e in env}
    defaults = [("PATH", DEFAULT_PATH), ("container", "pallet")]
    if o.terminal:
        defaults.append(("TERM", "xterm"))
    if o.hostname:
        defaults.append(("HOSTNAME", o.hostname))
    if o.home:
        defaults.append(("HOME", o.home))
    return [f"{k}={v}" for k, v in defaults if k not in keys] + env


def _rlimits(o: SpecOptions, hard_limits: dict[str, int]) -> list[dict[str, Any]]:
    wanted: dict[str, tuple[int, int]] = {
        "nofile": (DEFAULT_ULIMIT, DEFAULT_ULIMIT),
        "nproc": (DEFAULT_ULIMIT, DEFAULT_ULIMIT),
    }
    for u in o.ulimits:
        name = u.name.lower().removeprefix("rlimit_")
        if name not in _RLIMIT_NAMES:
            raise InvalidArgument(f"invalid ulimit type: {u.name}")
        if u.soft > u.hard >= 0:
            raise InvalidArgument(
                f"ulimit soft limit must be less than or equal to hard limit: {u.soft} > {u.hard}"
            )
        wanted[name] = (u.soft, u.hard)
    out = []
    for name, (soft, hard) in wanted.items():
        cap = hard_limits.get(name, -1)
        if cap >= 0:  # without CAP_SYS_RESOURCE nothing above the caller's hard limit sticks
            hard = cap if hard < 0 else min(hard, cap)
            soft = hard if soft < 0 else min(soft, hard)
        out.append({"type": "RLIMIT_" + name.upper(), "hard": hard, "soft": soft})
    return out


def _resources(o: SpecOptions) -> dict[str, Any]:
    res: dict[str, Any] = {"devices": [{"allow": o.privileged, "access": "rwm"}]}
    if o.memory:
        swap = o.memory_swap or 2 * o.memory
        res["memory"] = {"limit": o.memory, "swap": swap}
    if o.cpus:
        if o.cpus < 0:
            raise InvalidArgument("range of CPUs is from 0.01 to the number of CPUs")
        res["cpu"] = {"quota": round(o.cpus * 100000), "period": 100000}
    if o.pids_limit:
        res["pids"] = {"limit": o.pids_limit}
    return res


def _namespaces(o: SpecOptions) -> list[dict[str, str]]:
    ns = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
    if o.network == "none":
        ns.append({"type": "network"})
    elif o.network != "host":
        ns.append({"type": "network", "path": o.network})
    return ns


def build_spec(opts: SpecOptions, *, hard_limits: dict[str, int] | None = None) -> dict[str, Any]:
    """Return the OCI runtime spec (config.json as a dict) for ``opts``.

    ``hard_limits`` maps rlimit names (``nofile`` ...) to the caller's hard limits, which every
    container rlimit is clamped to; ``None`` reads them with getrlimit (the one impure step).
    """
    if not opts.args:
        raise InvalidArgument("no command specified")
    if hard_limits is None:
        hard_limits = current_hard_limits()
    caps = list(effective_capabilities(opts.cap_add, opts.cap_drop, opts.privileged))
    if opts.available_caps:  # a container cannot get capabilities its creator lacks
        caps = [c for c in caps if c in opts.available_caps]
    if opts.uid == 0 or opts.privileged:
        eff = caps
    else:  # a non-root user keeps only what it was explicitly given, as podman does
        added = {_cap_name(c) for c in opts.cap_add}
        eff = [c for c in caps if c in added]
    args = list(opts.args)
    user_mounts = [_user_mount(m) for m in opts.mounts]
    if opts.init_path:
        args = [INIT_PATH, "--", *args]
        user_mounts.append(
            {
                "destination": INIT_PATH,
                "type": "bind",
                "source": opts.init_path,
                "options": ["bind", "rprivate", "ro"],
            }
        )
    dests = {m["destination"] for m in user_mounts}
    mounts = [m for m in _default_mounts(opts) if m["destination"] not in dests] + user_mounts
    process: dict[str, Any] = {
        "terminal": opts.terminal,
        "user": {"uid": opts.uid, "gid": opts.gid, "umask": opts.umask},
        "args": args,
        "env": _env(opts),
        "cwd": opts.cwd or "/",
        "capabilities": {"bounding": caps, "effective": eff, "permitted": eff},
        "rlimits": _rlimits(opts, hard_limits),
        "noNewPrivileges": opts.no_new_privileges,
    }
    if opts.additional_gids:
        process["user"]["additionalGids"] = list(opts.additional_gids)
    if opts.oom_score_adj is not None:
        process["oomScoreAdj"] = opts.oom_score_adj
    linux: dict[str, Any] = {
        "resources": _resources(opts),
        "namespaces": _namespaces(opts),
    }
    if opts.cgroups_path:
        linux["cgroupsPath"] = opts.cgroups_path
    if opts.sysctls:
        linux["sysctl"] = dict(opts.sysctls)
    if opts.devices:
        linux["devices"] = [
            {
                "path": d.path,
                "type": d.type,
                "major": d.major,
                "minor": d.minor,
                "fileMode": d.file_mode,
                "uid": d.uid,
                "gid": d.gid,
            }
            for d in opts.devices
        ]
    if not opts.privileged:
        linux["maskedPaths"] = list(MASKED_PATHS)
        linux["readonlyPaths"] = list(READONLY_PATHS)
        if opts.seccomp is not None:
            linux["seccomp"] = opts.seccomp
    spec: dict[str, Any] = {
        "ociVersion": OCI_VERSION,
        "process": process,
        "root": {"path": opts.rootfs, "readonly": opts.readonly_rootfs},
        "hostname": opts.hostname,
        "mounts": mounts,
        "linux": linux,
    }
    if opts.annotations:
        spec["annotations"] = dict(opts.annotations)
    return spec


def current_hard_limits() -> dict[str, int]:
    """The calling process's hard limits for the rlimits a spec sets by default (-1: none)."""
    import resource

    out = {}
    for name in ("nofile", "nproc"):
        hard = resource.getrlimit(getattr(resource, "RLIMIT_" + name.upper()))[1]
        out[name] = -1 if hard == resource.RLIM_INFINITY else hard
    return out
