"""The builder's own shell-word substitution, as BuildKit applies it to Dockerfile words.

This is not a shell: there is no command substitution, arithmetic or globbing. It knows
``$v``, ``${v}``, ``${v:-w}``, ``${v-w}``, ``${v:+w}``, ``${v+w}``, ``${v:?msg}``, ``${v?msg}``,
``${v#pat}``, ``${v##pat}``, ``${v%pat}``, ``${v%%pat}`` and ``${v/pat/rep}``/``${v//pat/rep}``;
single quotes stop substitution, double quotes allow it, and the escape character (``\\`` or
the Dockerfile's ``# escape=``) makes the next character literal. Unset variables expand to the
empty string. Every call reports which names it found (``used``) and which it did not
(``missing``): the planner needs the first for cache keys, linters the second.

RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK and ONBUILD are left to the shell or the child build;
:func:`expand_instruction` substitutes in exactly the instructions the builder expands.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pallet.build import instructions as ins
from pallet.errors import BuildError

__all__ = ["Expanded", "Expansion", "expand_instruction", "expand_word", "expand_words"]


@dataclass(frozen=True, slots=True)
class Expansion:
    """The result of expanding one word: the text, its split words, and the names looked up."""

    value: str
    words: tuple[str, ...]
    used: frozenset[str]
    missing: frozenset[str]


class _Words:
    """Collects the whitespace-split words of an expansion, keeping quoted text whole."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.word = ""
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word = ""
                self.in_word = False
        else:
            self.add_raw(ch)

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def done(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word = ""
        return self.words


_SPECIAL_PARAMS = frozenset("@*#?-$!0")


class _Lexer:
    def __init__(
        self,
        text: str,
        env: Mapping[str, str],
        escape: str,
        raw_quotes: bool,
        raw_escapes: bool,
    ) -> None:
        self.text = text
        self.pos = 0
        self.env = env
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.used: set[str] = set()
        self.missing: set[str] = set()

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def lookup(self, name: str) -> str | None:
        if name in self.env:
            self.used.add(name)
            return self.env[name]
        self.missing.add(name)
        return None

    def process(self, stop: str = "", raw_escapes: bool | None = None) -> tuple[str, list[str]]:
        raw = self.raw_escapes if raw_escapes is None else raw_escapes
        result: list[str] = []
        words = _Words()
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(result), words.done()
            if ch == "$":
                text = self.dollar()
                result.append(text)
                words.add_string(text)
            elif ch in "'\"":
                text = self.single_quote() if ch == "'" else self.double_quote()
                result.append(text)
                words.add_raw(text)
            else:
                self.next()
                if ch == self.escape:
                    if raw:
                        words.add_raw(ch)
                        result.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise BuildError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.done()

    def single_quote(self) -> str:
        quote = self.next()
        out = [quote] if self.raw_quotes else []
        while True:
            ch = self.next()
            if not ch:
                raise BuildError(
                    "unexpected end of statement while looking for matching single-quote"
                )
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        quote = self.next()
        out = [quote] if self.raw_quotes else []
        while True:
            ch = self.peek()
            if not ch:
                raise BuildError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if ch == '"':
                self.next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    out.append(ch)
                following = self.peek()
                if not following:
                    continue
                if following in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        ch = self.peek()
        if ch.isdigit():
            start = self.pos
            while self.peek().isdigit():
                self.next()
            return self.text[start : self.pos]
        if ch and ch in _SPECIAL_PARAMS:
            return self.next()
        start = self.pos
        while (c := self.peek()) and (c.isalnum() or c == "_"):
            self.next()
        return self.text[start : self.pos]

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            return self.lookup(name) or ""
        self.next()
        if not self.peek():
            raise BuildError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise BuildError("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if op == "}":
            return self.lookup(name) or ""
        if op == "/":
            return self.replace(name)
        colon = op == ":"
        if colon:
            op = self.next()
        if not op:
            raise BuildError("syntax error: missing '}'")
        if op not in "+-?#%":
            raise BuildError(f"unsupported modifier ({':' if colon else ''}{op}) in substitution")
        try:
            word, _ = self.process("}", raw_escapes=op in "#%" or None)
        except BuildError:
            if not self.peek():
                raise BuildError("syntax error: missing '}'") from None
            raise
        value = self.lookup(name)
        unset = value is None or (colon and value == "")
        if op == "-":
            return word if unset else (value or "")
        if op == "+":
            return "" if unset else word
        if op == "?":
            if value is None:
                raise BuildError(f"{name}: {word or 'is not allowed to be unset'}")
            if unset:
                raise BuildError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        greedy = word.startswith(op)
        pattern = _pattern(word[1:] if greedy else word, self.escape)
        return _trim(value or "", pattern, suffix=op == "%", greedy=greedy)

    def replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        pattern, _ = self.process("/", raw_escapes=True)
        replacement, _ = self.process("}", raw_escapes=True)
        value = self.lookup(name) or ""
        regex = _pattern(pattern, self.escape)
        return regex.sub(lambda _m: replacement, value, count=0 if replace_all else 1)


def _pattern(pattern: str, escape: str) -> re.Pattern[str]:
    """Translate a shell pattern (``*``, ``?``, escapes; no brackets) into a regex."""
    out: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == escape:
            out.append(re.escape(next(chars, "")))
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _trim(value: str, pattern: re.Pattern[str], *, suffix: bool, greedy: bool) -> str:
    cuts = range(len(value) + 1)
    if suffix:
        for start in cuts if greedy else reversed(cuts):
            if pattern.fullmatch(value, start):
                return value[:start]
    else:
        for end in reversed(cuts) if greedy else cuts:
            if pattern.fullmatch(value, 0, end):
                return value[end:]
    return value


def expand_word(
    word: str,
    env: Mapping[str, str],
    *,
    escape: str = "\\",
    raw_quotes: bool = False,
    raw_escapes: bool = False,
) -> Expansion:
    """Substitute variables in ``word`` from ``env``, removing quotes and escapes.

    ``raw_quotes``/``raw_escapes`` keep quote and escape characters in the output (used for
    heredoc bodies, where only ``$`` is special). Raises :class:`BuildError` on bad syntax.
    """
    lexer = _Lexer(word, env, escape, raw_quotes, raw_escapes)
    try:
        value, words = lexer.process()
    except BuildError as err:
        raise BuildError(f"failed to process {word!r}: {err}") from None
    return Expansion(value, tuple(words), frozenset(lexer.used), frozenset(lexer.missing))


def expand_words(word: str, env: Mapping[str, str], *, escape: str = "\\") -> Expansion:
    """Like :func:`expand_word`; callers read ``.words``, split on unquoted whitespace."""
    return expand_word(word, env, escape=escape)


@dataclass(frozen=True, slots=True)
class Expanded:
    """An instruction with the builder's substitutions applied, and the names it used."""

    instruction: ins.Instruction
    used: frozenset[str]


class _Expander:
    def __init__(self, env: Mapping[str, str], escape: str) -> None:
        self.env = env
        self.escape = escape
        self.used: set[str] = set()

    def word(self, word: str) -> str:
        result = expand_word(word, self.env, escape=self.escape)
        self.used |= result.used
        return result.value

    def maybe(self, word: str | None) -> str | None:
        return None if word is None else self.word(word)

    def split(self, word: str) -> tuple[str, ...]:
        result = expand_word(word, self.env, escape=self.escape)
        self.used |= result.used
        return result.words

    def heredoc(self, doc: ins.Heredoc) -> ins.Heredoc:
        if not doc.expand:
            return doc
        result = expand_word(doc.content, self.env, raw_quotes=True, raw_escapes=True)
        self.used |= result.used
        return dataclasses.replace(doc, content=result.value)

    def pairs(self, pairs: tuple[ins.KeyValue, ...]) -> tuple[ins.KeyValue, ...]:
        return tuple(ins.KeyValue(self.word(p.key), self.word(p.value)) for p in pairs)

    def mount(self, mount: ins.Mount) -> ins.Mount:
        return dataclasses.replace(
            mount,
            target=self.maybe(mount.target),
            source=self.maybe(mount.source),
            from_stage=self.maybe(mount.from_stage),
            id=self.maybe(mount.id),
            env=self.maybe(mount.env),
        )


def _apply(inst: ins.Instruction, ex: _Expander) -> ins.Instruction:
    rep = dataclasses.replace
    match inst:
        case ins.Env(pairs=pairs) | ins.Label(pairs=pairs):
            return rep(inst, pairs=ex.pairs(pairs))
        case ins.Arg(args=args):
            decls = (ins.ArgDecl(a.name, ex.maybe(a.default)) for a in args)
            return rep(inst, args=tuple(decls))
        case ins.Copy() | ins.Add():
            common = rep(
                inst,
                sources=tuple(ex.word(s) for s in inst.sources),
                dest=ex.word(inst.dest),
                contents=tuple(ex.heredoc(d) for d in inst.contents),
                chown=ex.maybe(inst.chown),
                chmod=ex.maybe(inst.chmod),
                excludes=tuple(ex.word(e) for e in inst.excludes),
            )
            if isinstance(common, ins.Copy):
                return rep(common, from_stage=ex.maybe(common.from_stage))
            return rep(common, checksum=ex.maybe(common.checksum))
        case ins.Expose(ports=ports):
            return rep(inst, ports=tuple(w for p in ports for w in ex.split(p)))
        case ins.From():
            return rep(inst, image=ex.word(inst.image), platform=ex.maybe(inst.platform))
        case ins.StopSignal(signal=signal):
            return rep(inst, signal=ex.word(signal))
        case ins.User(user=user):
            return rep(inst, user=ex.word(user))
        case ins.Volume(paths=paths):
            return rep(inst, paths=tuple(ex.word(p) for p in paths))
        case ins.Workdir(path=path):
            return rep(inst, path=ex.word(path))
        case ins.Run(mounts=mounts) if mounts:
            return rep(inst, mounts=tuple(ex.mount(m) for m in mounts))
    return inst


def expand_instruction(
    inst: ins.Instruction,
    env: Mapping[str, str],
    *,
    escape: str = "\\",
    filename: str = "Dockerfile",
) -> Expanded:
    """Apply the builder's substitutions to one instruction, as BuildKit does before dispatch.

    Expanded: ADD, COPY (sources, dest, heredoc bodies with unquoted delimiters, ``--chown``,
    ``--chmod``, ``--from``, ``--exclude``, ``--checksum``), ENV and LABEL keys and values,
    ARG defaults, EXPOSE (split into words), FROM, STOPSIGNAL, USER, VOLUME, WORKDIR, and RUN
    ``--mount`` values. Everything else is returned unchanged. Errors carry file and line.
    """
    ex = _Expander(env, escape)
    try:
        result = _apply(inst, ex)
    except BuildError as err:
        raise BuildError(f"{filename}:{inst.line}: {err}") from None
    return Expanded(result, frozenset(ex.used))
