"""``pallet run`` and ``pallet create``: docker's flags, docker's exit codes."""

from __future__ import annotations

import os
import sys

from pallet.cli.flags import FlagSet, Parsed
from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["create", "env_file_lines", "parse_create_options", "run"]


def _parser(prog: str, *, run: bool) -> FlagSet:
    p = FlagSet(
        prog,
        f"{prog} [OPTIONS] IMAGE [COMMAND] [ARG...]",
        "Run a command in a new container" if run else "Create a new container",
    )
    if run:
        p.switch("-d", "--detach", help="run in the background, print the id")
        p.switch("--sig-proxy", default=True, help="proxy received signals to the process")
        p.string("--detach-keys", default="ctrl-p,ctrl-q", help="keys that detach")
    p.switch("--rm", help="remove the container when it exits")
    p.switch("-i", "--interactive", help="keep stdin open")
    p.switch("-t", "--tty", help="allocate a pseudo-tty")
    p.string("--name", help="the container's name")
    p.strings("-e", "--env", help="set an environment variable")
    p.strings("--env-file", help="read environment variables from a file")
    p.strings("-v", "--volume", help="bind mount a volume")
    p.strings("--mount", help="attach a filesystem mount")
    p.strings("--tmpfs", help="mount a tmpfs directory")
    p.string("-w", "--workdir", help="working directory in the container")
    p.string("-u", "--user", help="user name or uid, and optionally group: USER[:GROUP]")
    p.string("--entrypoint", default=None, help="override the image's entrypoint")
    p.string("-h", "--hostname", help="the container's host name")
    p.string("--network", "--net", help="network mode: host or none")
    p.strings("-p", "--publish", help="publish a container's port to the host")
    p.switch("--read-only", help="mount the root filesystem read-only")
    p.strings("--cap-add", help="add Linux capabilities")
    p.strings("--cap-drop", help="drop Linux capabilities")
    p.switch("--privileged", help="give extended privileges to the container")
    p.strings("--security-opt", help="security options")
    p.switch("--init", help="run an init inside the container")
    p.string("--pull", default="missing", help="pull the image: always, missing, never")
    p.string("--platform", help="the platform of the image")
    p.strings("-l", "--label", help="set metadata on the container")
    p.string("--stop-signal", help="signal that stops the container")
    p.integer("--stop-timeout", default=None, help="seconds to wait before killing on stop")
    p.string("-m", "--memory", help="memory limit")
    p.number("--cpus", help="number of CPUs")
    p.integer("--pids-limit", help="tune the container's pids limit")
    p.strings("--ulimit", help="ulimit options")
    p.string("--restart", default="no", help="restart policy")
    p.strings("--sysctl", help="sysctl options")
    p.switch("-q", "--quiet", help="suppress the pull output")
    return p


def _parse(prog: str, argv: list[str], *, run: bool) -> Parsed:
    flags = _parser(prog, run=run)
    a = flags.parse(argv, interspersed=False)
    if not a.args:
        raise flags.error("requires at least 1 argument: the image")
    a.image, a.command = a.args[0], a.args[1:]
    return a


def env_file_lines(path: str) -> list[str]:
    """The KEY=VALUE lines of an ``--env-file`` (comments and blank lines dropped)."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise InvalidArgument(f"open {path}: no such file or directory") from None
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _volume(spec: str) -> Any:
    from pallet.engine.container_records import MountSpec

    parts = spec.split(":")
    if len(parts) == 1:
        import secrets

        return MountSpec("volume", parts[0], secrets.token_hex(32))
    if len(parts) > 3 or not parts[0] or not parts[1]:
        raise InvalidArgument(f"invalid volume specification: {spec!r}")
    src, dst = parts[0], parts[1]
    opts = tuple(o for o in (parts[2].split(",") if len(parts) == 3 else []) if o)
    for o in opts:
        if o not in (
            "ro",
            "rw",
            "z",
            "Z",
            "U",
            "O",
            "rprivate",
            "private",
            "rshared",
            "shared",
            "rslave",
            "slave",
            "nocopy",
            "copy",
            "exec",
            "noexec",
            "suid",
            "nosuid",
            "dev",
            "nodev",
            "bind",
            "rbind",
        ):
            raise InvalidArgument(f"invalid volume option {o!r} in {spec!r}")
    if not dst.startswith("/"):
        raise InvalidArgument(
            f"invalid volume specification: {spec!r}: the container path must be absolute"
        )
    kind = "bind" if src.startswith(("/", ".", "~")) else "volume"
    if kind == "bind":
        src = os.path.abspath(os.path.expanduser(src))
    return MountSpec(kind, dst, src, opts)


def _mount(spec: str) -> Any:
    from pallet.engine.container_records import MountSpec

    fields: dict[str, str] = {}
    flags: list[str] = []
    for item in spec.split(","):
        k, eq, v = item.partition("=")
        if eq:
            fields[k.strip().lower()] = v
        else:
            flags.append(k.strip().lower())
    kind = fields.pop("type", "volume")
    target = fields.pop("target", "") or fields.pop("destination", "") or fields.pop("dst", "")
    source = fields.pop("source", "") or fields.pop("src", "")
    if not target:
        raise InvalidArgument(f"invalid mount {spec!r}: target is required")
    ro = "readonly" in flags or "ro" in flags or fields.pop("readonly", "false") in ("true", "1")
    ro = ro or fields.pop("ro", "false") in ("true", "1")
    opts = ["ro"] if ro else []
    if kind == "tmpfs":
        if "tmpfs-size" in fields:
            opts.append(f"size={fields.pop('tmpfs-size')}")
        if "tmpfs-mode" in fields:
            opts.append(f"mode={fields.pop('tmpfs-mode')}")
        return MountSpec("tmpfs", target, "", tuple(opts) or ("rw", "nosuid", "nodev"))
    if kind == "bind":
        if not source:
            raise InvalidArgument(f"invalid mount {spec!r}: source is required for bind mounts")
        return MountSpec("bind", target, os.path.abspath(source), tuple(opts))
    if kind == "volume":
        import secrets

        return MountSpec("volume", target, source or secrets.token_hex(32), tuple(opts))
    raise InvalidArgument(f"invalid mount type {kind!r}: want bind, volume or tmpfs")


def parse_create_options(a: Parsed) -> Any:
    """Turn parsed flags into the engine's CreateOptions."""
    from pallet.engine.container_records import CreateOptions, MountSpec
    from pallet.engine.container_start import parse_bytes

    env: list[str] = []
    for f in a.env_file:
        env.extend(env_file_lines(f))
    env.extend(a.env)
    mounts = [_volume(v) for v in a.volume] + [_mount(m) for m in a.mount]
    for t in a.tmpfs:
        dst, _, opts = t.partition(":")
        mounts.append(
            MountSpec(
                "tmpfs",
                dst,
                "",
                tuple(o for o in opts.split(",") if o) or ("rw", "noexec", "nosuid", "nodev"),
            )
        )
    labels = []
    for lab in a.label:
        k, _, v = lab.partition("=")
        labels.append((k, v))
    sysctls = []
    for s in a.sysctl:
        k, eq, v = s.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid sysctl {s!r}: want NAME=VALUE")
        sysctls.append((k, v))
    entrypoint: tuple[str, ...] | None = None
    if a.entrypoint is not None:
        entrypoint = (a.entrypoint,) if a.entrypoint else ()
        if a.entrypoint.startswith("["):
            import json

            try:
                entrypoint = tuple(json.loads(a.entrypoint))
            except ValueError:
                pass
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if a.restart not in ("", "no") and getattr(a, "rm", False):
        raise InvalidArgument("the --rm option conflicts with --restart")
    return CreateOptions(
        image=a.image,
        command=tuple(command) or None,
        entrypoint=entrypoint,
        name=a.name or "",
        env=tuple(env),
        workdir=a.workdir,
        user=a.user,
        hostname=a.hostname,
        tty=a.tty,
        interactive=a.interactive,
        auto_remove=bool(getattr(a, "rm", False)),
        labels=tuple(labels),
        mounts=tuple(mounts),
        network=a.network,
        publish=tuple(a.publish),
        read_only=a.read_only,
        cap_add=tuple(a.cap_add),
        cap_drop=tuple(a.cap_drop),
        privileged=a.privileged,
        security_opt=tuple(a.security_opt),
        init=a.init,
        stop_signal=a.stop_signal,
        stop_timeout=a.stop_timeout,
        memory=parse_bytes(a.memory) if a.memory else 0,
        cpus=a.cpus,
        pids_limit=a.pids_limit,
        ulimits=tuple(a.ulimit),
        restart=a.restart,
        pull=a.pull,
        platform=a.platform,
        sysctls=tuple(sysctls),
    )


def _warn(engine: Any) -> None:
    for w in engine.warnings:
        print(f"WARN: {w}", file=sys.stderr)
    engine.warnings.clear()


def create(g: GlobalOptions, argv: list[str]) -> int:
    a = _parse("pallet create", argv, run=False)
    from pallet.engine.container_create import create_container

    engine = g.engine()
    rec = create_container(engine, parse_create_options(a))
    print(rec.id)
    return 0


def run(g: GlobalOptions, argv: list[str]) -> int:
    a = _parse("pallet run", argv, run=True)
    from pallet.engine.container_create import create_container
    from pallet.engine.container_start import start_container

    opts = parse_create_options(a)
    if opts.tty and not a.detach and not os.isatty(0) and opts.interactive:
        raise InvalidArgument("the input device is not a TTY")
    engine = g.engine()
    rec = create_container(engine, opts)
    from pallet.cli import quickrun

    if a.detach:
        start_container(engine, rec, attach=False)
        _warn(engine)
        quickrun.save(g, a, engine, rec)
        print(rec.id)
        return 0
    from pallet.engine.container_attach import attach_streams, preload

    preload()  # import the attach client now, not after the container has started
    start_container(engine, rec, attach=True)
    _warn(engine)
    quickrun.save(g, a, engine, rec)
    sys.stdout.flush()
    code = attach_streams(engine, rec, stdin=0 if opts.interactive else None, tty=opts.tty)
    return 0 if code is None else code
