"""A subset of Go's text/template, enough for docker/podman ``--format`` strings.

Supported: ``{{.Field.Sub}}``, ``{{json .X}}`` / ``{{json .}}``, ``{{index .Map "key"}}``,
``{{join .List ","}}``, ``{{upper .X}}``, ``{{lower .X}}``, ``{{title .X}}``, ``{{len .X}}``,
``{{printf "%s" .X}}``, pipelines (``{{.X | json}}``), ``{{if .X}}…{{else}}…{{end}}``,
``{{range .List}}…{{end}}`` with ``.`` rebound, and the ``table`` prefix.
Field names match case-insensitively as a fallback, as podman's Go structs effectively do.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from typing import Any

from pallet.errors import InvalidArgument

__all__ = ["Template", "go_value"]

_TOKEN = re.compile(r"{{-?\s*(.*?)\s*-?}}", re.S)


def go_value(value: Any) -> str:
    """Render a value as Go's fmt does for %v (close enough for lists, maps, bools, nil)."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        lowered = {str(k).lower(): v for k, v in obj.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
        raise InvalidArgument(f"template: can't evaluate field {name}")
    if hasattr(obj, name):
        val = getattr(obj, name)
        return val() if callable(val) else val
    raise InvalidArgument(f"template: can't evaluate field {name}")


def _json(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


_FUNCS: dict[str, Callable[..., Any]] = {
    "json": _json,
    "index": lambda m, *ks: _index(m, ks),
    "join": lambda lst, sep: sep.join(str(x) for x in (lst or [])),
    "upper": lambda s: str(s).upper(),
    "lower": lambda s: str(s).lower(),
    "title": lambda s: str(s).title(),
    "len": lambda s: len(s or ()),
    "printf": lambda fmt, *a: _printf(fmt, a),
    "println": lambda *a: " ".join(go_value(x) for x in a) + "\n",
    "truncate": lambda s, n: str(s)[: int(n)],
}


def _index(m: Any, keys: tuple[Any, ...]) -> Any:
    for k in keys:
        if m is None:
            return None
        m = m.get(k) if isinstance(m, dict) else m[int(k)]
    return m


def _printf(fmt: str, args: tuple[Any, ...]) -> str:
    pyfmt = re.sub(r"%v", "%s", fmt)
    return pyfmt % tuple(go_value(a) if not isinstance(a, int | float) else a for a in args)


def _split_pipeline(expr: str) -> list[list[str]]:
    stages = []
    for stage in expr.split("|"):
        args = shlex.split(stage.strip(), posix=True) if '"' in stage else stage.split()
        if not args:
            raise InvalidArgument(f"template: empty command in {expr!r}")
        stages.append(args)
    return stages


class Template:
    """A compiled ``--format`` string. ``table`` formats report ``is_table``."""

    def __init__(self, text: str) -> None:
        text = text.replace("\\t", "\t").replace("\\n", "\n")
        self.is_table = text.startswith("table")
        if self.is_table:
            text = text[5:].lstrip()
        self.text = text
        self.is_json = text.strip() in ("json", "{{json .}}")
        self._compiled: dict[str, list[list[str]]] = {}
        self._nodes = self._parse(text)

    @staticmethod
    def _parse(text: str) -> list[Any]:
        # A tiny tree: strings, ("expr", s), ("if", expr, then, else), ("range", expr, body).
        pos = 0
        root: list[Any] = []
        stack: list[tuple[str, str, list[Any], list[Any] | None]] = []
        cur = root
        for m in _TOKEN.finditer(text):
            if m.start() > pos:
                cur.append(text[pos : m.start()])
            pos = m.end()
            action = m.group(1)
            word = action.split(None, 1)
            head = word[0] if word else ""
            if head in ("if", "range", "with"):
                body: list[Any] = []
                stack.append((head, word[1] if len(word) > 1 else ".", body, None))
                cur.append(None)  # placeholder, filled at end
                cur = body
            elif head == "else":
                kind, expr, body, _ = stack[-1]
                other: list[Any] = []
                stack[-1] = (kind, expr, body, other)
                cur = other
            elif head == "end":
                if not stack:
                    raise InvalidArgument("template: unexpected {{end}}")
                kind, expr, body, maybe_else = stack.pop()
                parent: list[Any] = root
                if stack:
                    outer_else = stack[-1][3]
                    parent = outer_else if outer_else is not None else stack[-1][2]
                parent[parent.index(None)] = (kind, expr, body, maybe_else or [])
                cur = parent
            else:
                cur.append(("expr", action))
        if stack:
            raise InvalidArgument("template: unexpected EOF, missing {{end}}")
        if pos < len(text):
            cur.append(text[pos:])
        return root

    def render(self, obj: Any) -> str:
        """Render for one object (a row, an inspected thing)."""
        if self.is_json and self.text.strip() == "json":
            return _json(obj)
        return self._render(self._nodes, obj)

    def _render(self, nodes: list[Any], dot: Any) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif node[0] == "expr":
                val = self._eval(node[1], dot)
                out.append(val if isinstance(val, str) else go_value(val))
            elif node[0] in ("if", "with"):
                val = self._eval(node[1], dot)
                if val:
                    out.append(self._render(node[2], val if node[0] == "with" else dot))
                else:
                    out.append(self._render(node[3], dot))
            elif node[0] == "range":
                val = self._eval(node[1], dot)
                items = val.values() if isinstance(val, dict) else (val or [])
                for item in items:
                    out.append(self._render(node[2], item))
        return "".join(out)

    def _eval(self, expr: str, dot: Any) -> Any:
        stages = self._compiled.get(expr)
        if stages is None:
            stages = self._compiled[expr] = _split_pipeline(expr)
        if len(stages) == 1 and len(stages[0]) == 1 and stages[0][0].startswith("."):
            return self._arg(stages[0][0], dot)  # the common case: a plain {{.Field}}
        value: Any = None
        first = True
        for args in stages:
            vals = [self._arg(a, dot) for a in args[1:]]
            if not first:
                vals.append(value)
            if args[0] in _FUNCS:
                value = _FUNCS[args[0]](*vals)
            elif args[0].startswith(".") or args[0] == "$":
                value = self._arg(args[0], dot)
            else:
                raise InvalidArgument(f'template: function "{args[0]}" not defined')
            first = False
        return value

    @staticmethod
    def _arg(token: str, dot: Any) -> Any:
        if token in (".", "$"):
            return dot
        if token.startswith("."):
            val = dot
            for part in token[1:].split("."):
                val = _field(val, part)
            return val
        if token.lstrip("-").isdigit():
            return int(token)
        return token

    def headers(self, names: dict[str, str]) -> str:
        """The header line of a table format: each ``{{.Field}}`` becomes its column title."""

        def title(m: re.Match[str]) -> str:
            field = m.group(1).strip().lstrip(".").split(".")[0].split()[0]
            return names.get(field, field.upper())

        return _TOKEN.sub(title, self.text)
