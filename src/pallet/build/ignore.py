""".dockerignore / .containerignore matching, with Docker's semantics.

Each line is a Go ``filepath.Match`` pattern (``*``, ``?``, ``[a-z]``, ``[^a-z]``, ``\\``
escapes) extended with ``**`` (any number of directories, including none). Lines starting with
``#`` are comments; patterns are cleaned like ``filepath.Clean`` (so ``./a//b/`` is ``a/b``) and
a leading ``/`` is dropped. ``!pattern`` re-includes. The last pattern that matches a path
decides, and a pattern matching a directory also matches everything under it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pallet.errors import BuildError

__all__ = ["IgnoreMatcher", "IgnorePattern", "clean_path"]


def clean_path(path: str) -> str:
    """``filepath.Clean`` for slash-separated paths; ``""`` cleans to ``"."``."""
    return posixpath.normpath(path) if path else "."


def _translate(pattern: str) -> str:
    """Turn one pattern into a regex body (Docker's patternmatcher rules)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i == n else "(?:.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i == n:
                raise BuildError(f"invalid ignore pattern {pattern!r}: trailing backslash")
            out.append(re.escape(pattern[i]))
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1 if pattern[i : i + 1] in ("^", "]") else i)
            if end < 0:
                raise BuildError(f"invalid ignore pattern {pattern!r}: unclosed [")
            body = pattern[i:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    """One cleaned pattern; ``exclusion`` is true for ``!`` (re-include) lines."""

    pattern: str
    exclusion: bool
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, pattern: str, exclusion: bool) -> IgnorePattern:
        """Compile an already cleaned pattern."""
        try:
            regex = re.compile(_translate(pattern), re.DOTALL)
        except re.error as err:
            raise BuildError(f"invalid ignore pattern {pattern!r}: {err}") from None
        return cls(pattern, exclusion, regex)

    def matches(self, path: str) -> bool:
        """Whether this pattern matches ``path`` (cleaned) or one of its parent directories."""
        if self.regex.fullmatch(path):
            return True
        parts = path.split("/")
        return any(self.regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts)))

    def could_match_under(self, directory: str) -> bool:
        """Whether this pattern might match ``directory`` or something inside it."""
        pat_parts = self.pattern.split("/")
        for pat, name in zip(pat_parts, directory.split("/"), strict=False):
            if "**" in pat:
                return True
            segment = IgnorePattern.compile(pat, False)
            if not segment.regex.fullmatch(name):
                return False
        return True


@dataclass(frozen=True, slots=True)
class IgnoreMatcher:
    """An ordered list of ignore patterns; the last one matching a path decides."""

    patterns: tuple[IgnorePattern, ...]

    @classmethod
    def from_text(cls, text: str) -> IgnoreMatcher:
        """Read the contents of a .dockerignore/.containerignore file."""
        return cls.from_patterns(text.removeprefix("\ufeff").splitlines())

    @classmethod
    def from_patterns(cls, lines: Iterable[str]) -> IgnoreMatcher:
        """Build a matcher from pattern lines (comments and blank lines are skipped)."""
        patterns: list[IgnorePattern] = []
        for raw in lines:
            if raw.startswith("#"):
                continue
            line = raw.strip()
            if not line:
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:].strip()
                if not line:
                    raise BuildError('illegal exclusion pattern: "!"')
            line = clean_path(line)
            if len(line) > 1 and line.startswith("/"):
                line = line.lstrip("/")
            patterns.append(IgnorePattern.compile(line, exclusion))
        return cls(tuple(patterns))

    def excluded(self, relpath: str) -> bool:
        """Whether ``relpath`` (relative to the context, ``/``-separated) is left out."""
        path = clean_path(relpath).lstrip("/")
        matched = False
        for pattern in self.patterns:
            # Only a pattern that could flip the current answer needs evaluating.
            if pattern.exclusion != matched:
                continue
            if pattern.matches(path):
                matched = not pattern.exclusion
        return matched

    def may_skip_dir(self, relpath: str) -> bool:
        """Whether a walk may skip directory ``relpath`` entirely.

        True only when the directory is excluded and no ``!`` pattern could re-include the
        directory or anything beneath it.
        """
        if not self.excluded(relpath):
            return False
        path = clean_path(relpath).lstrip("/")
        return not any(p.exclusion and p.could_match_under(path) for p in self.patterns)
