"""Printing rows as tables, templates or JSON, the way ``--format`` works in podman."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from pallet.cli.template import Template

__all__ = ["print_json", "print_rows"]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=4) + "\n")


def print_rows(
    rows: Sequence[dict[str, Any]],
    *,
    default: str,
    headers: dict[str, str],
    fmt: str | None = None,
    json_rows: Sequence[Any] | None = None,
) -> None:
    """Render rows with ``fmt`` (a Go template, ``table …`` or ``json``) or the default table."""
    if fmt in ("json", "{{json .}}") and json_rows is not None and fmt == "json":
        print_json(list(json_rows))
        return
    tmpl = Template(fmt or default)
    lines: list[str] = []
    if tmpl.is_table:
        lines.append(tmpl.headers(headers))
    for row in rows:
        lines.append(tmpl.render(row))
    if tmpl.is_table:
        lines = _align(lines)
    out = "\n".join(lines)
    if out:
        sys.stdout.write(out + "\n")


def _align(lines: list[str]) -> list[str]:
    """Tab-separated cells into columns padded like Go's tabwriter (padding 2... podman: 1)."""
    cells = [line.split("\t") for line in lines]
    ncol = max((len(c) for c in cells), default=0)
    widths = [0] * ncol
    for row in cells:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths[i], len(cell))
    out = []
    for row in cells:
        parts = [cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        out.append("  ".join(parts).rstrip())
    return out
