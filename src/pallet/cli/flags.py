"""Docker's flag syntax (spf13/pflag, as docker's CLI uses it), for the hot verbs.

``argparse`` costs ~9 ms of ``pallet run`` (its import pulls in gettext, locale and shutil,
and every ``add_argument`` builds a help formatter), and it parses differently from docker:
it accepts abbreviations (``--ent`` for ``--entrypoint``) and no ``--rm=false``. This parser
takes what docker takes:

- ``--name VALUE``, ``--name=VALUE``; booleans as ``--rm``, ``--rm=true``, ``--rm=false``;
- short flags ``-e VALUE``, ``-eVALUE``, ``-e=VALUE``, and booleans grouped: ``-it``, ``-dit``;
- with ``interspersed=False`` (``run``, ``create``, ``exec``) the first argument that is not
  a flag ends the flags: the image and the command's own arguments follow; ``--`` ends them
  too;
- errors in docker's words (``unknown flag: --foo``), on one line that names the verb, raised
  as ``InvalidArgument`` (exit 125).
"""

from __future__ import annotations

import sys

from pallet.errors import InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["FlagSet", "Parsed"]

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class Parsed:
    """The parsed values as attributes (a flag's ``dest``), plus ``args``: the positionals."""

    args: list[str]

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Parsed({', '.join(f'{k}={v!r}' for k, v in sorted(self.__dict__.items()))})"

    def __getattr__(self, name: str) -> Any:  # only for mypy: the attributes are dynamic
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value


class _Flag:
    __slots__ = ("default", "dest", "help", "kind", "metavar", "names")

    def __init__(
        self, names: tuple[str, ...], kind: str, dest: str, default: object, help: str, metavar: str
    ) -> None:
        self.names = names
        self.kind = kind
        self.dest = dest
        self.default = default
        self.help = help
        self.metavar = metavar


class FlagSet:
    """A verb's flags: declare them, then ``parse(argv)``."""

    def __init__(self, prog: str, usage: str, description: str = "") -> None:
        self.prog = prog
        self.usage = usage
        self.description = description
        self._flags: list[_Flag] = []
        self._by_name: dict[str, _Flag] = {}

    def _add(
        self, names: tuple[str, ...], kind: str, default: object, help: str, metavar: str
    ) -> None:
        long = [n for n in names if n.startswith("--")]
        dest = (long[0] if long else names[0]).lstrip("-").replace("-", "_")
        flag = _Flag(names, kind, dest, default, help, metavar)
        self._flags.append(flag)
        for name in names:
            self._by_name[name] = flag

    def switch(self, *names: str, default: bool = False, help: str = "") -> None:
        """A switch: ``--rm``, ``--rm=false``, and in a group of shorts: ``-it``."""
        self._add(names, "bool", default, help, "")

    def string(
        self, *names: str, default: str | None = "", help: str = "", metavar: str = "string"
    ) -> None:
        """A flag with a value; the last one given wins."""
        self._add(names, "str", default, help, metavar)

    def strings(self, *names: str, help: str = "", metavar: str = "list") -> None:
        """A flag that may be repeated; its values are collected in order."""
        self._add(names, "list", None, help, metavar)

    def integer(self, *names: str, default: int | None = 0, help: str = "") -> None:
        """A flag with an integer value."""
        self._add(names, "int", default, help, "int")

    def number(self, *names: str, default: float = 0.0, help: str = "") -> None:
        """A flag with a decimal value."""
        self._add(names, "float", default, help, "decimal")

    def error(self, message: str) -> InvalidArgument:
        """A usage error, as every verb reports one: ``pallet run: MESSAGE (see ...)``."""
        return InvalidArgument(f"{self.prog}: {message} (see '{self.prog} --help')")

    def help_text(self) -> str:
        """``--help``'s text: usage, description, and one line per flag."""
        rows = []
        for f in self._flags:
            short = next((n for n in f.names if not n.startswith("--")), "")
            long = next((n for n in f.names if n.startswith("--")), "")
            left = f"{short + ', ' if short else '    '}{long}"
            if f.metavar:
                left += f" {f.metavar}"
            rows.append((left, f.help))
        width = max((len(left) for left, _ in rows), default=0) + 3
        lines = [f"Usage: {self.usage}", ""]
        if self.description:
            lines += [self.description, ""]
        lines.append("Options:")
        lines += [f"  {left:<{width}}{text}".rstrip() for left, text in rows]
        return "\n".join(lines) + "\n"

    def _value(self, flag: _Flag, name: str, text: str, values: dict[str, object]) -> None:
        kind = flag.kind
        if kind == "list":
            values[flag.dest].append(text)  # type: ignore[attr-defined]
            return
        if kind == "str":
            values[flag.dest] = text
            return
        try:
            values[flag.dest] = int(text) if kind == "int" else float(text)
        except ValueError:
            want = "an integer" if kind == "int" else "a number"
            raise self.error(f'invalid argument "{text}" for "{name}" flag: want {want}') from None

    def _bool(self, flag: _Flag, name: str, text: str | None, values: dict[str, object]) -> None:
        if text is None or text in _TRUE:
            values[flag.dest] = True
        elif text in _FALSE:
            values[flag.dest] = False
        else:
            raise self.error(f'invalid argument "{text}" for "{name}" flag: want true or false')

    def parse(self, argv: Sequence[str], *, interspersed: bool = True) -> Parsed:
        """Parse ``argv``; ``--help`` prints the help and exits 0 (as ``SystemExit``)."""
        values: dict[str, object] = {}
        for f in self._flags:
            values[f.dest] = [] if f.kind == "list" else f.default
        args: list[str] = []
        i, n = 0, len(argv)
        while i < n:
            arg = argv[i]
            i += 1
            if arg == "--":
                args.extend(argv[i:])
                break
            if not arg.startswith("-") or arg == "-":
                args.append(arg)
                if not interspersed:
                    args.extend(argv[i:])
                    break
                continue
            if arg.startswith("--"):
                name, eq, text = arg.partition("=")
                if name == "--help":
                    sys.stdout.write(self.help_text())
                    raise SystemExit(0)
                flag = self._by_name.get(name)
                if flag is None:
                    raise self.error(f"unknown flag: {name}")
                if flag.kind == "bool":
                    self._bool(flag, name, text if eq else None, values)
                    continue
                if not eq:
                    if i >= n:
                        raise self.error(f"flag needs an argument: {name}")
                    text = argv[i]
                    i += 1
                self._value(flag, name, text, values)
                continue
            # a group of short flags: -it, -e VALUE, -eVALUE, -e=VALUE
            j = 1
            while j < len(arg):
                ch = arg[j]
                flag = self._by_name.get(f"-{ch}")
                if flag is None:
                    if ch == "h":
                        sys.stdout.write(self.help_text())
                        raise SystemExit(0)
                    raise self.error(f"unknown shorthand flag: {ch!r} in {arg}")
                rest = arg[j + 1 :]
                if flag.kind == "bool":
                    if rest.startswith("="):
                        self._bool(flag, f"-{ch}", rest[1:], values)
                        break
                    self._bool(flag, f"-{ch}", None, values)
                    j += 1
                    continue
                if rest:
                    text = rest[1:] if rest.startswith("=") else rest
                elif i < n:
                    text = argv[i]
                    i += 1
                else:
                    raise self.error(f"flag needs an argument: {ch!r} in {arg}")
                self._value(flag, f"-{ch}", text, values)
                break
        parsed = Parsed(**values)
        parsed.args = args
        return parsed
