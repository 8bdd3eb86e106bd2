"""Splitting one logical Dockerfile line into command, flags and arguments (BuildKit's rules)."""

from __future__ import annotations

import json
import re

from pallet.build.expand import expand_word
from pallet.build.instructions import Heredoc
from pallet.errors import BuildError

__all__ = [
    "Invalid",
    "extract_flags",
    "find_heredocs",
    "parse_json",
    "parse_words",
    "split_command",
]

_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")


class Invalid(Exception):
    """A problem with one instruction; the parser adds the file and line."""


def split_command(line: str) -> tuple[str, str]:
    """Return the instruction word (as written) and the rest of the line, left-trimmed."""
    parts = line.strip().split(None, 1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def extract_flags(rest: str) -> tuple[list[str], str]:
    """Take the leading ``--flag[=value]`` words off ``rest``.

    Quotes inside a flag are removed and ``\\`` escapes the next character; a bare ``--``
    ends the flags. Returns the flag words (without the dashes removed) and what follows.
    """
    flags: list[str] = []
    pos, n = 0, len(rest)
    while True:
        while pos < n and rest[pos].isspace():
            pos += 1
        if not rest.startswith("--", pos):
            return flags, rest[pos:]
        word: list[str] = []
        quote = ""
        blank_ok = False
        while pos < n:
            ch = rest[pos]
            pos += 1
            if quote:
                if ch == quote:
                    quote = ""
                    continue
            elif ch.isspace():
                break
            elif ch in "'\"":
                quote, blank_ok = ch, True
                continue
            if ch == "\\":
                if pos == n:
                    continue
                ch = rest[pos]
                pos += 1
            word.append(ch)
        text = "".join(word)
        if text == "--":
            return flags, rest[pos:].lstrip()
        if text or blank_ok:
            flags.append(text)


def parse_words(rest: str, escape: str) -> list[str]:
    """Split on whitespace outside quotes, keeping quotes and escapes in the words (for ENV,
    LABEL and ARG, whose words are expanded later)."""
    words: list[str] = []
    word: list[str] = []
    quote = ""
    blank_ok = False
    in_word = False
    chars = list(rest)
    i = 0
    while i < len(chars):
        ch = chars[i]
        i += 1
        if not quote and ch.isspace():
            if in_word and (word or blank_ok):
                words.append("".join(word))
            word, blank_ok, in_word = [], False, False
            continue
        in_word = True
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote, blank_ok = ch, True
        if ch == escape and quote != "'":
            if i == len(chars):
                continue
            word.append(ch)
            ch = chars[i]
            i += 1
        word.append(ch)
    if in_word and (word or blank_ok):
        words.append("".join(word))
    return words


def parse_json(rest: str) -> list[str] | None:
    """Return the exec-form list if ``rest`` is a JSON array of strings, else ``None``.

    A JSON array holding anything other than strings is an error, as in BuildKit.
    """
    text = rest.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise Invalid("the JSON array must contain strings only")
    return [str(item) for item in value]


def find_heredocs(rest: str) -> list[Heredoc]:
    """Find the ``<<[-]NAME`` words of a RUN/COPY/ADD line, in order (bodies left empty)."""
    try:
        words = expand_word(rest, {}, raw_quotes=True, raw_escapes=True).words
    except BuildError:
        return []
    docs: list[Heredoc] = []
    for word in words:
        match = _HEREDOC.match(word)
        if not match or not match.group(3):
            continue
        fd, chomp, spec = match.groups()
        try:
            plain = expand_word(spec, {}).words
            raw = expand_word(spec, {}, raw_quotes=True).words
        except BuildError:
            continue
        if len(plain) != 1 or len(raw) != 1:
            continue
        quotes_plain = plain[0].count("'") + plain[0].count('"')
        quotes_raw = raw[0].count("'") + raw[0].count('"')
        docs.append(
            Heredoc(
                name=plain[0],
                content="",
                expand=quotes_plain == quotes_raw,
                chomp=chomp == "-",
                fd=int(fd or "0"),
            )
        )
    return docs
