"""Dockerfile text to typed instructions (:func:`parse`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from pallet.build import instructions as ins
from pallet.build.dockerfile.flags import Flags, parse_duration, parse_flags, parse_mount
from pallet.build.dockerfile.lines import Directives, LogicalLine, read_lines
from pallet.build.dockerfile.words import (
    Invalid,
    extract_flags,
    parse_json,
    parse_words,
    split_command,
)
from pallet.errors import BuildError

__all__ = ["Dockerfile", "parse"]

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
_HEREDOC_WORD = re.compile(r"^\d*<<-?[^<]+$")


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """A parsed Dockerfile: its directives, instructions in order, and parser warnings."""

    filename: str
    directives: Directives
    instructions: tuple[ins.Instruction, ...]
    warnings: tuple[str, ...] = ()

    @property
    def escape(self) -> str:
        """The escape character in force (``\\`` unless ``# escape=`` said otherwise)."""
        return self.directives.escape


class _Where(TypedDict):
    line: int
    end_line: int
    original: str


@dataclass(frozen=True, slots=True)
class _Req:
    keyword: str
    args: str
    flags: Flags
    heredocs: tuple[ins.Heredoc, ...]
    escape: str
    line: int
    end_line: int
    original: str

    @property
    def where(self) -> _Where:
        return _Where(line=self.line, end_line=self.end_line, original=self.original)


def _need(req: _Req, what: str = "at least one argument") -> None:
    if not req.args.strip():
        raise Invalid(f"{req.keyword} requires {what}")


def _command(req: _Req, *, allow_empty: bool = True) -> ins.Command:
    if not allow_empty:
        _need(req)
    argv = parse_json(req.args)
    if argv is not None:
        return ins.Command(tuple(argv), shell=False)
    if not req.args:
        return ins.Command((), shell=False)
    return ins.Command((req.args,), shell=True)


def _list(req: _Req) -> list[str]:
    argv = parse_json(req.args)
    return argv if argv is not None else req.args.split()


def _pairs(req: _Req) -> tuple[ins.KeyValue, ...]:
    words = parse_words(req.args, req.escape)
    if not words:
        raise Invalid(f"{req.keyword} requires at least one argument")
    if "=" not in words[0]:
        parts = req.args.strip().split(None, 1)
        if len(parts) < 2:
            raise Invalid(f"{req.keyword} must have two arguments")
        return (ins.KeyValue(parts[0], parts[1]),)
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise Invalid(
                f"syntax error - can't find = in {word!r}. Must be of the form: name=value"
            )
        if not key:
            raise Invalid(f"{req.keyword} names can not be blank")
        pairs.append(ins.KeyValue(key, value))
    return tuple(pairs)


def _from(req: _Req) -> ins.Instruction:
    words = req.args.split()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise Invalid("FROM requires either one or three arguments")
    name = words[2].lower() if len(words) == 3 else None
    if name is not None and not _STAGE_NAME.match(name):
        raise Invalid(
            f"invalid name for build stage: {words[2]!r}, "
            "name can't start with a number or contain symbols"
        )
    platform = req.flags.string("platform")
    return ins.From(**req.where, image=words[0], name=name, platform=platform)


def _run(req: _Req) -> ins.Instruction:
    if not req.args.strip() and not req.heredocs:
        raise Invalid("RUN requires at least one argument")
    network = req.flags.string("network")
    if network is not None and network not in ("default", "none", "host"):
        raise Invalid(f"unsupported network mode {network!r}")
    security = req.flags.string("security")
    if security is not None and security not in ("sandbox", "insecure"):
        raise Invalid(f"unsupported security mode {security!r}")
    mounts = tuple(parse_mount(spec) for spec in req.flags.many("mount"))
    command = _command(req)
    return ins.Run(
        **req.where,
        command=command,
        mounts=mounts,
        network=network,
        security=security,
        heredocs=req.heredocs if command.shell else (),
    )


def _cmd(req: _Req) -> ins.Instruction:
    return ins.Cmd(**req.where, command=_command(req))


def _entrypoint(req: _Req) -> ins.Instruction:
    return ins.Entrypoint(**req.where, command=_command(req))


def _label(req: _Req) -> ins.Instruction:
    return ins.Label(**req.where, pairs=_pairs(req))


def _env(req: _Req) -> ins.Instruction:
    return ins.Env(**req.where, pairs=_pairs(req))


def _maintainer(req: _Req) -> ins.Instruction:
    _need(req, "exactly one argument")
    return ins.Maintainer(**req.where, name=req.args.strip())


def _expose(req: _Req) -> ins.Instruction:
    _need(req)
    return ins.Expose(**req.where, ports=tuple(req.args.split()))


def _sources(req: _Req) -> tuple[tuple[str, ...], tuple[ins.Heredoc, ...], str]:
    words = _list(req)
    if len(words) < 2:
        extra = ", but only one was provided. Destination could not be determined" if words else ""
        raise Invalid(f"{req.keyword} requires at least two arguments{extra}")
    docs = list(req.heredocs) if parse_json(req.args) is None else []
    paths: list[str] = []
    contents: list[ins.Heredoc] = []
    for word in words[:-1]:
        if docs and _HEREDOC_WORD.match(word):
            contents.append(docs.pop(0))
        else:
            paths.append(word)
    return tuple(paths), tuple(contents), words[-1]


def _add(req: _Req) -> ins.Instruction:
    sources, contents, dest = _sources(req)
    flags = req.flags
    return ins.Add(
        **req.where,
        sources=sources,
        dest=dest,
        contents=contents,
        chown=flags.string("chown"),
        chmod=flags.string("chmod"),
        link=bool(flags.boolean("link")),
        keep_git_dir=flags.boolean("keep-git-dir"),
        checksum=flags.string("checksum"),
        excludes=flags.many("exclude"),
        unpack=flags.boolean("unpack"),
    )


def _copy(req: _Req) -> ins.Instruction:
    sources, contents, dest = _sources(req)
    flags = req.flags
    return ins.Copy(
        **req.where,
        sources=sources,
        dest=dest,
        contents=contents,
        from_stage=flags.string("from"),
        chown=flags.string("chown"),
        chmod=flags.string("chmod"),
        link=bool(flags.boolean("link")),
        parents=bool(flags.boolean("parents")),
        excludes=flags.many("exclude"),
    )


def _volume(req: _Req) -> ins.Instruction:
    _need(req)
    paths = _list(req)
    if any(not p.strip() for p in paths):
        raise Invalid("VOLUME specified can not be an empty string")
    return ins.Volume(**req.where, paths=tuple(paths))


def _user(req: _Req) -> ins.Instruction:
    _need(req, "exactly one argument")
    return ins.User(**req.where, user=req.args.strip())


def _workdir(req: _Req) -> ins.Instruction:
    _need(req, "exactly one argument")
    return ins.Workdir(**req.where, path=req.args.strip())


def _stopsignal(req: _Req) -> ins.Instruction:
    _need(req, "exactly one argument")
    return ins.StopSignal(**req.where, signal=req.args.strip())


def _arg(req: _Req) -> ins.Instruction:
    words = parse_words(req.args, req.escape)
    if not words:
        raise Invalid("ARG requires at least one argument")
    decls = []
    for word in words:
        name, eq, default = word.partition("=")
        if not name:
            raise Invalid("ARG names can not be blank")
        decls.append(ins.ArgDecl(name, default if eq else None))
    return ins.Arg(**req.where, args=tuple(decls))


def _onbuild(req: _Req) -> ins.Instruction:
    _need(req)
    expression = req.args.strip()
    word = split_command(expression)[0].upper()
    if word == "ONBUILD":
        raise Invalid("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if word in ("FROM", "MAINTAINER"):
        raise Invalid(f"{word} isn't allowed as an ONBUILD trigger")
    line = LogicalLine(expression, req.line, req.end_line)
    trigger = _instruction(line, req.escape)
    return ins.Onbuild(**req.where, expression=expression, trigger=trigger)


def _interval(flags: Flags, name: str) -> int | None:
    text = flags.string(name)
    if text is None:
        return None
    value = parse_duration(text)
    if value < 0:
        raise Invalid(f"--{name} cannot be negative")
    if 0 < value < 1_000_000:
        raise Invalid(f"--{name} cannot be less than 1ms")
    return value


def _healthcheck(req: _Req) -> ins.Instruction:
    _need(req)
    kind, *more = req.args.split(None, 1)
    rest = more[0] if more else ""
    if kind.upper() == "NONE":
        if rest.strip() or req.flags.strings:
            raise Invalid("HEALTHCHECK NONE takes no arguments")
        return ins.Healthcheck(**req.where, command=None)
    if kind.upper() != "CMD":
        raise Invalid(f'unknown type "{kind}" in HEALTHCHECK (try CMD)')
    if not rest.strip():
        raise Invalid("missing command after HEALTHCHECK CMD")
    command = _command(_Req("CMD", rest.strip(), req.flags, (), req.escape, 0, 0, ""))
    retries_text = req.flags.string("retries")
    retries = None
    if retries_text is not None:
        try:
            retries = int(retries_text)
        except ValueError:
            raise Invalid(f"--retries: invalid number {retries_text!r}") from None
        if retries < 0:
            raise Invalid(f"--retries cannot be negative ({retries})")
    return ins.Healthcheck(
        **req.where,
        command=command,
        interval=_interval(req.flags, "interval"),
        timeout=_interval(req.flags, "timeout"),
        start_period=_interval(req.flags, "start-period"),
        start_interval=_interval(req.flags, "start-interval"),
        retries=retries,
    )


def _shell(req: _Req) -> ins.Instruction:
    argv = parse_json(req.args)
    if argv is None:
        raise Invalid("SHELL requires the arguments to be in JSON form")
    if not argv:
        raise Invalid("SHELL requires at least one argument")
    return ins.Shell(**req.where, argv=tuple(argv))


_BUILDERS: dict[str, Callable[[_Req], ins.Instruction]] = {
    "from": _from,
    "run": _run,
    "cmd": _cmd,
    "label": _label,
    "maintainer": _maintainer,
    "expose": _expose,
    "env": _env,
    "add": _add,
    "copy": _copy,
    "entrypoint": _entrypoint,
    "volume": _volume,
    "user": _user,
    "workdir": _workdir,
    "arg": _arg,
    "onbuild": _onbuild,
    "stopsignal": _stopsignal,
    "healthcheck": _healthcheck,
    "shell": _shell,
}


def _instruction(line: LogicalLine, escape: str) -> ins.Instruction:
    word, rest = split_command(line.text)
    builder = _BUILDERS.get(word.lower())
    if builder is None:
        raise Invalid(f"unknown instruction: {word.upper()}")
    flag_words, args = extract_flags(rest)
    flags = parse_flags(word.lower(), flag_words)
    keyword = word.upper()
    req = _Req(keyword, args, flags, line.heredocs, escape, line.line, line.end_line, line.text)
    return builder(req)


def parse(text: str, *, filename: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile ``text`` into typed instructions; nothing is expanded yet.

    Raises :class:`BuildError` worded ``<filename>:<line>: <message>``, e.g.
    ``Dockerfile:7: unknown instruction: RUNN``.
    """
    directives, lines, warnings = read_lines(text, filename)
    if not lines:
        raise BuildError(f"{filename}: file with no instructions")
    out: list[ins.Instruction] = []
    seen_from = False
    for line in lines:
        try:
            inst = _instruction(line, directives.escape)
        except Invalid as err:
            raise BuildError(f"{filename}:{line.line}: {err}") from None
        if isinstance(inst, ins.From):
            seen_from = True
        elif not seen_from and not isinstance(inst, ins.Arg):
            raise BuildError(
                f"{filename}:{line.line}: {inst.keyword} before the first FROM: "
                "no build stage in current context"
            )
        out.append(inst)
    if not seen_from:
        raise BuildError(f"{filename}: no FROM instruction: the Dockerfile has no build stage")
    return Dockerfile(filename, directives, tuple(out), tuple(warnings))
