"""Typed Dockerfile instructions: what the parser produces and the planner consumes.

Values are kept as written (before ARG/ENV substitution, quotes still in place where the builder
removes them during expansion); :func:`pallet.build.expand.expand_instruction` returns the same
shapes with the builder's substitutions applied. Every instruction remembers its first line, its
last line (heredoc bodies and continuations included) and its logical line as ``original``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

__all__ = [
    "Add",
    "Arg",
    "ArgDecl",
    "Cmd",
    "Command",
    "Copy",
    "Entrypoint",
    "Env",
    "Expose",
    "From",
    "Healthcheck",
    "Heredoc",
    "Instruction",
    "KeyValue",
    "Label",
    "Maintainer",
    "Mount",
    "MountType",
    "Onbuild",
    "Run",
    "Shell",
    "StopSignal",
    "User",
    "Volume",
    "Workdir",
]

MountType = Literal["bind", "cache", "tmpfs", "secret", "ssh"]


@dataclass(frozen=True, slots=True)
class Command:
    """A command line: exec form (``["a", "b"]``) or shell form (one string, run by SHELL)."""

    argv: tuple[str, ...]
    shell: bool


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A here-document (``<<EOF`` ... ``EOF``); ``content`` already has tabs chomped for ``<<-``.

    ``expand`` is false when the delimiter was quoted, which turns substitution off.
    """

    name: str
    content: str
    expand: bool = True
    chomp: bool = False
    fd: int = 0


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One ``key=value`` pair of ENV or LABEL."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class ArgDecl:
    """One name declared by ARG, with its default (``None`` when it has none)."""

    name: str
    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mount:
    """One ``RUN --mount=...`` option set; unset options are ``None``."""

    type: MountType = "bind"
    target: str | None = None
    source: str | None = None
    from_stage: str | None = None
    readonly: bool | None = None
    id: str | None = None
    sharing: Literal["shared", "private", "locked"] | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    required: bool | None = None
    size: str | None = None
    env: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Instruction:
    """Base of every instruction: where it came from."""

    keyword: ClassVar[str] = ""
    line: int
    end_line: int
    original: str


@dataclass(frozen=True, slots=True, kw_only=True)
class From(Instruction):
    """``FROM [--platform=p] image [AS name]``; ``name`` is lower-cased."""

    keyword: ClassVar[str] = "FROM"
    image: str
    name: str | None = None
    platform: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Run(Instruction):
    """``RUN [--mount=...] [--network=...] [--security=...] command``."""

    keyword: ClassVar[str] = "RUN"
    command: Command
    mounts: tuple[Mount, ...] = ()
    network: str | None = None
    security: str | None = None
    heredocs: tuple[Heredoc, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Cmd(Instruction):
    """``CMD command``."""

    keyword: ClassVar[str] = "CMD"
    command: Command


@dataclass(frozen=True, slots=True, kw_only=True)
class Entrypoint(Instruction):
    """``ENTRYPOINT command``."""

    keyword: ClassVar[str] = "ENTRYPOINT"
    command: Command


@dataclass(frozen=True, slots=True, kw_only=True)
class Label(Instruction):
    """``LABEL k=v ...`` (or the old ``LABEL k v``)."""

    keyword: ClassVar[str] = "LABEL"
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Maintainer(Instruction):
    """``MAINTAINER name`` (deprecated; becomes the image's author)."""

    keyword: ClassVar[str] = "MAINTAINER"
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Expose(Instruction):
    """``EXPOSE port[/proto] ...``."""

    keyword: ClassVar[str] = "EXPOSE"
    ports: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Env(Instruction):
    """``ENV k=v ...`` (or the old ``ENV k v``)."""

    keyword: ClassVar[str] = "ENV"
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Add(Instruction):
    """``ADD [flags] src... dest``; heredoc sources are in ``contents``."""

    keyword: ClassVar[str] = "ADD"
    sources: tuple[str, ...]
    dest: str
    contents: tuple[Heredoc, ...] = ()
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    keep_git_dir: bool | None = None
    checksum: str | None = None
    excludes: tuple[str, ...] = ()
    unpack: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Copy(Instruction):
    """``COPY [flags] src... dest``; heredoc sources are in ``contents``."""

    keyword: ClassVar[str] = "COPY"
    sources: tuple[str, ...]
    dest: str
    contents: tuple[Heredoc, ...] = ()
    from_stage: str | None = None
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    parents: bool = False
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Volume(Instruction):
    """``VOLUME path ...`` or ``VOLUME ["path", ...]``."""

    keyword: ClassVar[str] = "VOLUME"
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class User(Instruction):
    """``USER user[:group]``."""

    keyword: ClassVar[str] = "USER"
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Workdir(Instruction):
    """``WORKDIR path``."""

    keyword: ClassVar[str] = "WORKDIR"
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Arg(Instruction):
    """``ARG name[=default] ...``."""

    keyword: ClassVar[str] = "ARG"
    args: tuple[ArgDecl, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Onbuild(Instruction):
    """``ONBUILD <instruction>``: ``expression`` is the trigger text stored in the image."""

    keyword: ClassVar[str] = "ONBUILD"
    expression: str
    trigger: Instruction


@dataclass(frozen=True, slots=True, kw_only=True)
class StopSignal(Instruction):
    """``STOPSIGNAL signal``."""

    keyword: ClassVar[str] = "STOPSIGNAL"
    signal: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Healthcheck(Instruction):
    """``HEALTHCHECK NONE`` (``command is None``) or ``HEALTHCHECK [options] CMD command``.

    Durations are nanoseconds as in the image config; ``None`` means "inherit the default".
    """

    keyword: ClassVar[str] = "HEALTHCHECK"
    command: Command | None
    interval: int | None = None
    timeout: int | None = None
    start_period: int | None = None
    start_interval: int | None = None
    retries: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shell(Instruction):
    """``SHELL ["executable", "param", ...]``."""

    keyword: ClassVar[str] = "SHELL"
    argv: tuple[str, ...]
