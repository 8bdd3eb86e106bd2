"""What each metadata instruction does to an image config, and the history text of a step (pure).

These follow Docker's builder: a shell-form CMD/ENTRYPOINT/HEALTHCHECK runs under the image's
SHELL (default ``/bin/sh -c``), ENTRYPOINT clears an inherited CMD, WORKDIR is relative to the
previous one, EXPOSE without a protocol means tcp, and ONBUILD triggers are stored as text.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace

from pallet.build import instructions as ins
from pallet.errors import BuildError
from pallet.oci.config import ContainerConfig, Healthcheck, ImageConfig

__all__ = ["DEFAULT_SHELL", "apply_metadata", "created_by", "shell_of", "workdir_of"]

DEFAULT_SHELL = ("/bin/sh", "-c")


def shell_of(config: ContainerConfig) -> tuple[str, ...]:
    """The shell that runs shell-form commands."""
    return config.shell or DEFAULT_SHELL


def workdir_of(config: ContainerConfig) -> str:
    """The working directory steps run in."""
    return config.working_dir or "/"


def _argv(command: ins.Command, config: ContainerConfig) -> tuple[str, ...]:
    if command.shell:
        return (*shell_of(config), *command.argv)
    return command.argv


def apply_metadata(image: ImageConfig, inst: ins.Instruction) -> ImageConfig:
    """``image`` after a metadata instruction (anything but FROM, RUN, COPY, ADD)."""
    cfg = image.config
    match inst:
        case ins.Env(pairs=pairs):
            for p in pairs:
                cfg = cfg.with_env(p.key, p.value)
        case ins.Label(pairs=pairs):
            labels = dict(cfg.labels)
            labels.update((p.key, p.value) for p in pairs)
            cfg = replace(cfg, labels=tuple(sorted(labels.items())))
        case ins.Cmd(command=command):
            cfg = replace(cfg, cmd=_argv(command, cfg))
        case ins.Entrypoint(command=command):
            cfg = replace(cfg, entrypoint=_argv(command, cfg) or None, cmd=None)
        case ins.Shell(argv=argv):
            cfg = replace(cfg, shell=argv)
        case ins.Workdir(path=path):
            cfg = replace(cfg, working_dir=posixpath.normpath(
                posixpath.join(workdir_of(cfg), path)))  # fmt: skip
        case ins.User(user=user):
            cfg = replace(cfg, user=user)
        case ins.Expose(ports=ports):
            new = {p if "/" in p else f"{p}/tcp" for p in ports}
            cfg = replace(cfg, exposed_ports=tuple(sorted(set(cfg.exposed_ports) | new)))
        case ins.Volume(paths=paths):
            if any(not p for p in paths):
                raise BuildError("VOLUME specified can not be an empty string")
            cfg = replace(cfg, volumes=tuple(sorted(set(cfg.volumes) | set(paths))))
        case ins.StopSignal(signal=signal):
            cfg = replace(cfg, stop_signal=signal)
        case ins.Healthcheck():
            cfg = replace(cfg, healthcheck=_healthcheck(inst, cfg))
        case ins.Onbuild(expression=expression):
            cfg = replace(cfg, on_build=(*cfg.on_build, expression))
        case ins.Maintainer(name=name):
            return replace(image, author=name)
        case ins.Arg():
            pass
        case _:
            raise BuildError(f"{inst.keyword} is not a metadata instruction")
    return replace(image, config=cfg)


def _healthcheck(inst: ins.Healthcheck, cfg: ContainerConfig) -> Healthcheck:
    if inst.command is None:
        return Healthcheck(test=("NONE",))
    test = ("CMD-SHELL", *inst.command.argv) if inst.command.shell else ("CMD", *inst.command.argv)
    return Healthcheck(
        test=test,
        interval=inst.interval or 0,
        timeout=inst.timeout or 0,
        start_period=inst.start_period or 0,
        start_interval=inst.start_interval or 0,
        retries=inst.retries or 0,
    )


def created_by(
    inst: ins.Instruction, config: ContainerConfig, args: Mapping[str, str], detail: str = ""
) -> str:
    """The history ``created_by`` text, in buildah's style."""
    if isinstance(inst, ins.Run):
        argv = _argv(inst.command, config)
        prefix = ""
        if args:
            prefix = f"|{len(args)} " + " ".join(f"{k}={v}" for k, v in sorted(args.items())) + " "
        return prefix + " ".join(argv)
    text = inst.original.split(" ", 1)[1] if " " in inst.original else ""
    if detail:
        text = detail
    return f"/bin/sh -c #(nop) {inst.keyword} {text}".rstrip()
