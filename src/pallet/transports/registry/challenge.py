"""Parsing ``WWW-Authenticate`` challenges (RFC 7235) as registries send them.

``Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"``
gives one Challenge; a header may hold several (``Basic realm="x", Bearer realm="y"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Challenge", "parse_challenges"]

_LEXER = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,="]+)|(=)|(,))')


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge: the scheme (lowercased) and its parameters (keys lowercased)."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str:
        return dict(self.params).get(key, "")

    @property
    def realm(self) -> str:
        return self.get("realm")

    @property
    def service(self) -> str:
        return self.get("service")

    @property
    def scopes(self) -> tuple[str, ...]:
        """The ``scope`` parameter split on spaces (several scopes may be asked at once)."""
        return tuple(self.get("scope").split())

    @property
    def error(self) -> str:
        return self.get("error")


def _lex(header: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(header):
        m = _LEXER.match(header, pos)
        if not m:
            break
        pos = m.end()
        if m.group(1) is not None:
            tokens.append(("str", re.sub(r"\\(.)", r"\1", m.group(1))))
        elif m.group(2) is not None:
            tokens.append(("tok", m.group(2)))
        elif m.group(3):
            tokens.append(("=", "="))
        elif m.group(4):
            tokens.append((",", ","))
    return tokens


def parse_challenges(header: str) -> list[Challenge]:
    """All challenges in a ``WWW-Authenticate`` header value, in order."""
    tokens = _lex(header)
    out: list[Challenge] = []
    scheme = ""
    params: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        is_param = kind == "tok" and i + 1 < len(tokens) and tokens[i + 1][0] == "="
        if is_param and scheme:
            value = ""
            if i + 2 < len(tokens) and tokens[i + 2][0] in ("tok", "str"):
                value = tokens[i + 2][1]
                i += 1
            params[text.lower()] = value
            i += 2
            continue
        if kind == "tok":
            if scheme:
                out.append(Challenge(scheme, tuple(params.items())))
            scheme, params = text.lower(), {}
        i += 1
    if scheme:
        out.append(Challenge(scheme, tuple(params.items())))
    return out
