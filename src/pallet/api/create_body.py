"""Docker's ``POST /containers/create`` body → the engine's ``CreateOptions``.

Networks: pallet runs containers on the host's network or on none; Docker's default
(``default``/``bridge``, what clients send when the user named none) is the host's.
"""

from __future__ import annotations

import secrets
from typing import Any

from pallet.api.http import HTTPError
from pallet.engine.container_records import CreateOptions, MountSpec
from pallet.errors import NetworkNotFound

__all__ = ["create_options"]

_DEFAULT_NETWORKS = ("", "default", "bridge")


def _strings(value: Any, field: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise HTTPError(400, f"invalid value for {field}: want a string or a list of strings")


def _bind(spec: str) -> MountSpec:
    parts = spec.split(":")
    if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
        raise HTTPError(400, f"invalid volume specification: '{spec}'")
    src, dst = parts[0], parts[1]
    if not dst.startswith("/"):
        raise HTTPError(
            400, f"invalid volume specification: '{spec}': the container path must be absolute"
        )
    opts = tuple(o for o in (parts[2].split(",") if len(parts) == 3 else ()) if o)
    kind = "bind" if src.startswith("/") else "volume"
    return MountSpec(kind, dst, src, opts)


def _mount(m: Any) -> MountSpec:
    if not isinstance(m, dict):
        raise HTTPError(400, "invalid mount: want an object")
    kind = str(m.get("Type") or "volume")
    target = str(m.get("Target") or "")
    if not target:
        raise HTTPError(400, "invalid mount config: Target must not be empty")
    opts = ("ro",) if m.get("ReadOnly") else ()
    if kind == "tmpfs":
        t = m.get("TmpfsOptions") or {}
        extra = []
        if t.get("SizeBytes"):
            extra.append(f"size={int(t['SizeBytes'])}")
        if t.get("Mode"):
            extra.append(f"mode={int(t['Mode']):o}")
        return MountSpec("tmpfs", target, "", (*opts, *extra) or ("rw", "nosuid", "nodev"))
    if kind == "bind":
        if not m.get("Source"):
            raise HTTPError(
                400, 'invalid mount config for type "bind": field Source must not be empty'
            )
        return MountSpec("bind", target, str(m["Source"]), opts)
    if kind == "volume":
        return MountSpec("volume", target, str(m.get("Source") or secrets.token_hex(32)), opts)
    raise HTTPError(400, f"invalid mount config: mount type unknown: {kind!r}")


def _restart(policy: Any) -> str:
    if not policy:
        return "no"
    name = str(policy.get("Name") or "no")
    if name not in ("no", "always", "on-failure", "unless-stopped"):
        raise HTTPError(400, f"invalid restart policy: unknown policy '{name}'")
    count = int(policy.get("MaximumRetryCount") or 0)
    return f"{name}:{count}" if name == "on-failure" and count else name


def _network(value: Any) -> str:
    mode = str(value or "")
    if mode in _DEFAULT_NETWORKS:
        return ""
    if mode in ("host", "none"):
        return mode
    raise NetworkNotFound(mode)


def create_options(body: dict[str, Any], *, name: str = "", platform: str = "") -> CreateOptions:
    """The engine's options for a create body; 400 on values pallet cannot use."""
    image = body.get("Image")
    if not image or not isinstance(image, str):
        raise HTTPError(400, "No command specified" if image else "config: Image is required")
    host: dict[str, Any] = body.get("HostConfig") or {}
    if not isinstance(host, dict):
        raise HTTPError(400, "invalid HostConfig: want an object")
    mounts = [_bind(b) for b in host.get("Binds") or ()]
    mounts += [_mount(m) for m in host.get("Mounts") or ()]
    for target, options in (host.get("Tmpfs") or {}).items():
        opts = tuple(o for o in str(options).split(",") if o)
        mounts.append(MountSpec("tmpfs", target, "", opts or ("rw", "noexec", "nosuid", "nodev")))
    for target in body.get("Volumes") or {}:  # anonymous volumes
        if not any(m.target == target for m in mounts):
            mounts.append(MountSpec("volume", target, secrets.token_hex(32)))
    labels = body.get("Labels") or {}
    if not isinstance(labels, dict):
        raise HTTPError(400, "invalid Labels: want an object")
    ulimits = tuple(
        f"{u['Name']}={u.get('Soft', -1)}:{u.get('Hard', u.get('Soft', -1))}"
        for u in host.get("Ulimits") or ()
    )
    entry = body.get("Entrypoint")
    entrypoint = _strings(entry, "Entrypoint")
    if entrypoint == ("",):
        entrypoint = ()
    command = _strings(body.get("Cmd"), "Cmd")
    stop_timeout = body.get("StopTimeout")
    auto_remove = bool(host.get("AutoRemove"))
    restart = _restart(host.get("RestartPolicy"))
    if auto_remove and restart not in ("no", ""):
        raise HTTPError(400, "conflicting options: cannot specify both --restart and --rm")
    pids = host.get("PidsLimit") or 0
    return CreateOptions(
        image=image,
        command=command or None,
        entrypoint=entrypoint,
        name=name.lstrip("/"),
        env=_strings(body.get("Env"), "Env") or (),
        workdir=str(body.get("WorkingDir") or ""),
        user=str(body.get("User") or ""),
        hostname=str(body.get("Hostname") or ""),
        tty=bool(body.get("Tty")),
        interactive=bool(body.get("OpenStdin")),
        auto_remove=auto_remove,
        labels=tuple((str(k), str(v)) for k, v in labels.items()),
        mounts=tuple(mounts),
        network=_network(host.get("NetworkMode")),
        read_only=bool(host.get("ReadonlyRootfs")),
        cap_add=tuple(host.get("CapAdd") or ()),
        cap_drop=tuple(host.get("CapDrop") or ()),
        privileged=bool(host.get("Privileged")),
        security_opt=tuple(host.get("SecurityOpt") or ()),
        init=bool(host.get("Init")),
        stop_signal=str(body.get("StopSignal") or ""),
        stop_timeout=int(stop_timeout) if stop_timeout is not None else None,
        memory=int(host.get("Memory") or 0),
        cpus=int(host.get("NanoCpus") or 0) / 1e9,
        pids_limit=int(pids) if int(pids) > 0 else 0,
        ulimits=ulimits,
        restart=restart,
        pull="never",
        platform=platform,
        sysctls=tuple((str(k), str(v)) for k, v in (host.get("Sysctls") or {}).items()),
    )
