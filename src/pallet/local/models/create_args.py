"""docker-py's ``containers.create``/``run`` keyword arguments → the engine's CreateOptions.

docker-py splits these kwargs between the container config and the host config and raises
``TypeError("run() got an unexpected keyword argument 'x'")`` for names it does not know. We
do the same, and raise the same TypeError (naming the argument as unsupported) for the names
docker-py knows but pallet cannot honour yet, so a script never silently loses a setting.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Mapping
from typing import Any

from pallet.engine.container_records import CreateOptions, MountSpec
from pallet.errors import InvalidArgument

__all__ = ["SUPPORTED", "UNSUPPORTED", "create_options", "split_command"]

#: docker-py kwargs pallet honours (plus ``image``, ``command`` and ``detach``).
SUPPORTED = frozenset(
    {
        "auto_remove",
        "cap_add",
        "cap_drop",
        "cpu_period",
        "cpu_quota",
        "entrypoint",
        "environment",
        "hostname",
        "init",
        "labels",
        "mem_limit",
        "mounts",
        "name",
        "nano_cpus",
        "network",
        "network_mode",
        "pids_limit",
        "platform",
        "ports",
        "privileged",
        "read_only",
        "restart_policy",
        "security_opt",
        "stdin_open",
        "stop_signal",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "user",
        "volumes",
        "working_dir",
        "version",
        "network_disabled",
    }
)

#: docker-py kwargs that exist there but that pallet cannot honour (TypeError).
UNSUPPORTED = frozenset(
    {
        "blkio_weight_device",
        "blkio_weight",
        "cgroup_parent",
        "cgroupns",
        "cpu_count",
        "cpu_percent",
        "cpu_shares",
        "cpuset_cpus",
        "cpuset_mems",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "device_cgroup_rules",
        "device_read_bps",
        "device_read_iops",
        "device_write_bps",
        "device_write_iops",
        "devices",
        "device_requests",
        "dns_opt",
        "dns_search",
        "dns",
        "domainname",
        "extra_hosts",
        "group_add",
        "healthcheck",
        "init_path",
        "ipc_mode",
        "isolation",
        "kernel_memory",
        "links",
        "log_config",
        "lxc_conf",
        "mac_address",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "networking_config",
        "oom_kill_disable",
        "oom_score_adj",
        "pid_mode",
        "publish_all_ports",
        "runtime",
        "shm_size",
        "storage_opt",
        "use_config_proxy",
        "userns_mode",
        "uts_mode",
        "volume_driver",
        "volumes_from",
    }
)

_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def split_command(command: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """docker-py's rule: a string is split as a shell would, a list is taken as is."""
    if command is None:
        return None
    if isinstance(command, str):
        return tuple(shlex.split(command))
    return tuple(str(c) for c in command)


def check_kwargs(method: str, kwargs: Mapping[str, Any]) -> None:
    """TypeError for kwargs docker-py does not know, or that pallet does not support."""
    unknown = sorted(k for k in kwargs if k not in SUPPORTED and k not in UNSUPPORTED)
    if unknown:
        quoted = ", ".join(f"'{k}'" for k in unknown)
        many = len(unknown) > 1
        raise TypeError(
            f"{method}() got {'unexpected keyword arguments' if many else 'an unexpected keyword argument'} {quoted}"  # noqa: E501
        )
    unsupported = sorted(k for k in kwargs if k in UNSUPPORTED and kwargs[k] is not None)
    if unsupported:
        quoted = ", ".join(f"'{k}'" for k in unsupported)
        raise TypeError(f"{method}() got unsupported keyword argument(s) {quoted} (pallet)")


def _environment(env: Any) -> tuple[str, ...]:
    if env is None:
        return ()
    if isinstance(env, Mapping):
        out = []
        for key, value in env.items():
            if value is None:
                out.append(str(key))
            else:
                val = value.decode() if isinstance(value, bytes) else value
                out.append(f"{key}={val}")
        return tuple(out)
    return tuple(str(e) for e in env)


def _volume(source: str, bind: str, mode: str) -> MountSpec:
    opts = tuple(o for o in mode.split(",") if o)
    if not bind.startswith("/"):
        raise InvalidArgument(f"invalid volume specification: {source}:{bind}: not absolute")
    kind = "bind" if source.startswith("/") else "volume"
    return MountSpec(kind, bind, source, opts)


def _volumes(volumes: Any) -> list[MountSpec]:
    if not volumes:
        return []
    out = []
    if isinstance(volumes, Mapping):
        for key, spec in volumes.items():
            source = key.decode() if isinstance(key, bytes) else str(key)
            if isinstance(spec, Mapping):
                mode = spec.get("mode") or ("ro" if spec.get("ro") else "rw")
                out.append(_volume(source, str(spec["bind"]), str(mode)))
            else:
                out.append(_volume(source, str(spec), "rw"))
        return out
    for item in volumes:
        parts = str(item).split(":")
        if len(parts) == 1:
            out.append(MountSpec("volume", parts[0], secrets.token_hex(32)))
        elif len(parts) in (2, 3):
            out.append(_volume(parts[0], parts[1], parts[2] if len(parts) == 3 else "rw"))
        else:
            raise InvalidArgument(f"invalid volume specification: {item!r}")
    return out


def _mounts(mounts: Any) -> list[MountSpec]:
    out = []
    for m in mounts or ():
        if isinstance(m, str):  # docker.types.Mount.parse_mount_string's input
            src, _, rest = m.partition(":")
            target, _, mode = rest.partition(":")
            out.append(_volume(src, target, mode or "rw"))
            continue
        kind = str(m.get("Type") or "volume")
        target = str(m.get("Target") or "")
        source = str(m.get("Source") or "")
        opts = ["ro"] if m.get("ReadOnly") else []
        if kind == "tmpfs":
            tmpfs = m.get("TmpfsOptions") or {}
            if tmpfs.get("SizeBytes"):
                opts.append(f"size={tmpfs['SizeBytes']}")
            if tmpfs.get("Mode"):
                opts.append(f"mode={tmpfs['Mode']:o}")
            out.append(MountSpec("tmpfs", target, "", tuple(opts) or ("rw", "nosuid", "nodev")))
        elif kind in ("bind", "volume"):
            if kind == "volume" and not source:
                source = secrets.token_hex(32)
            out.append(MountSpec(kind, target, source, tuple(opts)))
        else:
            raise InvalidArgument(f"invalid mount type {kind!r}: want bind, volume or tmpfs")
    return out


def _tmpfs(tmpfs: Any) -> list[MountSpec]:
    items: list[tuple[str, str]] = []
    if isinstance(tmpfs, Mapping):
        items = [(str(k), str(v or "")) for k, v in tmpfs.items()]
    elif tmpfs:
        items = [(t.partition(":")[0], t.partition(":")[2]) for t in tmpfs]
    return [
        MountSpec(
            "tmpfs",
            path,
            "",
            tuple(o for o in opts.split(",") if o) or ("rw", "noexec", "nosuid", "nodev"),
        )
        for path, opts in items
    ]


def _bytes(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    unit = text[-1] if text and text[-1] in _UNITS else "b"
    num = text[:-1] if text and text[-1] in _UNITS else text
    try:
        return int(float(num) * _UNITS[unit])
    except ValueError:
        raise InvalidArgument(f"invalid size: {value!r}") from None


def _ulimits(ulimits: Any) -> tuple[str, ...]:
    out = []
    for u in ulimits or ():
        name, soft = u.get("Name") or u.get("name"), u.get("Soft", u.get("soft"))
        hard = u.get("Hard", u.get("hard"))
        out.append(f"{name}={soft}:{hard if hard is not None else soft}")
    return tuple(out)


def _restart(policy: Any) -> str:
    if not policy:
        return "no"
    name = str(policy.get("Name") or "no")
    count = int(policy.get("MaximumRetryCount") or 0)
    return f"{name}:{count}" if name == "on-failure" and count else name


def _labels(labels: Any) -> tuple[tuple[str, str], ...]:
    if not labels:
        return ()
    if isinstance(labels, Mapping):
        return tuple((str(k), str(v)) for k, v in labels.items())
    return tuple((str(k), "") for k in labels)


def _ports(ports: Any) -> tuple[str, ...]:
    out = []
    for container, host in (ports or {}).items():
        cport = str(container) if "/" in str(container) else f"{container}/tcp"
        hosts = host if isinstance(host, list) else [host]
        for h in hosts:
            if h is None:
                out.append(cport)
            elif isinstance(h, tuple):
                out.append(f"{h[0]}:{h[1]}:{cport}" if len(h) > 1 else f"{h[0]}::{cport}")
            else:
                out.append(f"{h}:{cport}")
    return tuple(out)


def _network(kwargs: Mapping[str, Any]) -> str:
    mode = kwargs.get("network_mode") or kwargs.get("network") or ""
    if kwargs.get("network_disabled"):
        mode = "none"
    if mode and mode not in ("host", "none"):
        raise InvalidArgument(f"network {mode!r} is not supported yet: use host or none")
    return str(mode)


def create_options(
    image: str, command: Any, kwargs: Mapping[str, Any], *, pull: str
) -> CreateOptions:
    """The CreateOptions for ``containers.create(image, command, **kwargs)``."""
    mounts = _volumes(kwargs.get("volumes")) + _mounts(kwargs.get("mounts"))
    mounts += _tmpfs(kwargs.get("tmpfs"))
    cpus = (kwargs.get("nano_cpus") or 0) / 1e9
    if kwargs.get("cpu_quota") and not cpus:
        cpus = kwargs["cpu_quota"] / (kwargs.get("cpu_period") or 100000)
    entrypoint = split_command(kwargs.get("entrypoint"))
    user = kwargs.get("user")
    return CreateOptions(
        image=image,
        command=split_command(command) or None,
        entrypoint=entrypoint,
        name=str(kwargs.get("name") or ""),
        env=_environment(kwargs.get("environment")),
        workdir=str(kwargs.get("working_dir") or ""),
        user="" if user is None else str(user),
        hostname=str(kwargs.get("hostname") or ""),
        tty=bool(kwargs.get("tty")),
        interactive=bool(kwargs.get("stdin_open")),
        auto_remove=bool(kwargs.get("auto_remove")),
        labels=_labels(kwargs.get("labels")),
        mounts=tuple(mounts),
        network=_network(kwargs),
        publish=_ports(kwargs.get("ports")),
        read_only=bool(kwargs.get("read_only")),
        cap_add=tuple(kwargs.get("cap_add") or ()),
        cap_drop=tuple(kwargs.get("cap_drop") or ()),
        privileged=bool(kwargs.get("privileged")),
        security_opt=tuple(kwargs.get("security_opt") or ()),
        init=bool(kwargs.get("init")),
        stop_signal=str(kwargs.get("stop_signal") or ""),
        memory=_bytes(kwargs.get("mem_limit")),
        cpus=cpus,
        pids_limit=int(kwargs.get("pids_limit") or 0),
        ulimits=_ulimits(kwargs.get("ulimits")),
        restart=_restart(kwargs.get("restart_policy")),
        pull=pull,
        platform=str(kwargs.get("platform") or ""),
        sysctls=tuple((str(k), str(v)) for k, v in (kwargs.get("sysctls") or {}).items()),
    )
