"""From Dockerfile text to logical lines: directives, comments, continuations and heredocs."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from pallet.build.dockerfile.words import extract_flags, find_heredocs, split_command
from pallet.build.instructions import Heredoc
from pallet.errors import BuildError

__all__ = ["Directives", "LogicalLine", "read_lines"]

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_COMMANDS = frozenset({"run", "copy", "add"})
_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Directives:
    """Parser directives from the top of the file (``# syntax=``, ``# escape=``, ``# check=``).

    pallet records ``syntax`` and ``check`` but does not act on them.
    """

    escape: str = "\\"
    syntax: str | None = None
    check: str | None = None


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One instruction's text with continuations joined, and its heredoc bodies."""

    text: str
    line: int
    end_line: int
    heredocs: tuple[Heredoc, ...] = ()


class _Reader:
    def __init__(self, text: str, filename: str) -> None:
        self.lines = text.removeprefix("\ufeff").split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.filename = filename
        self.pos = 0
        self.directives_done = False
        self.directives: dict[str, str] = {}
        self.continuation = re.compile(r"\\[ \t]*$")
        self.warnings: list[str] = []

    def error(self, line: int, message: str) -> BuildError:
        return BuildError(f"{self.filename}:{line}: {message}")

    def next_line(self) -> str:
        raw = self.lines[self.pos].removesuffix("\r")
        self.pos += 1
        return raw

    def directive(self, stripped: str) -> None:
        if self.directives_done:
            return
        match = _DIRECTIVE.match(stripped)
        key = match.group(1).lower() if match else ""
        if not match or key not in _KNOWN_DIRECTIVES:
            self.directives_done = True
            return
        if key in self.directives:
            raise self.error(self.pos, f"only one {key} parser directive can be used")
        value = match.group(2)
        if key == "escape":
            if value not in ("\\", "`"):
                raise self.error(self.pos, f"invalid escape token '{value}' does not match ` or \\")
            self.continuation = re.compile(re.escape(value) + r"[ \t]*$")
        self.directives[key] = value

    def trim_continuation(self, text: str) -> tuple[str, bool]:
        match = self.continuation.search(text)
        if match:
            return text[: match.start()], True
        return text, False

    def read(self) -> list[LogicalLine]:
        out: list[LogicalLine] = []
        while self.pos < len(self.lines):
            stripped = self.next_line().lstrip()
            start = self.pos
            self.directive(stripped)
            if stripped.startswith("#"):
                continue
            text, more = self.trim_continuation(stripped)
            if not more and not text.strip():
                continue
            empty_continuation = False
            while more and self.pos < len(self.lines):
                raw = self.next_line()
                if raw.lstrip().startswith("#"):
                    continue
                if not raw.strip():
                    empty_continuation = True
                    continue
                part, more = self.trim_continuation(raw)
                text += part
            if empty_continuation:
                self.warnings.append(
                    f"{self.filename}:{start}: empty continuation line found in: {text}"
                )
            docs = self.heredocs(text, start)
            out.append(LogicalLine(text, start, self.pos, docs))
        return out

    def heredocs(self, text: str, start: int) -> tuple[Heredoc, ...]:
        command, rest = split_command(text)
        if command.lower() not in _HEREDOC_COMMANDS:
            return ()
        _, args = extract_flags(rest)
        docs = []
        for doc in find_heredocs(args):
            body: list[str] = []
            while True:
                if self.pos >= len(self.lines):
                    raise self.error(start, f"unterminated heredoc {doc.name}")
                raw = self.next_line()
                candidate = raw.lstrip("\t") if doc.chomp else raw
                if candidate == doc.name:
                    break
                body.append(raw + "\n")
            content = "".join(body)
            if doc.chomp:
                content = _LEADING_TABS.sub("", content)
            docs.append(dataclasses.replace(doc, content=content))
        return tuple(docs)


def read_lines(text: str, filename: str) -> tuple[Directives, list[LogicalLine], list[str]]:
    """Split ``text`` into its directives, its logical lines and any warnings.

    Raises :class:`BuildError` (``file:line: message``) for bad or repeated directives and
    unterminated heredocs.
    """
    reader = _Reader(text, filename)
    lines = reader.read()
    found = reader.directives
    directives = Directives(
        escape=found.get("escape", "\\"), syntax=found.get("syntax"), check=found.get("check")
    )
    return directives, lines, reader.warnings
