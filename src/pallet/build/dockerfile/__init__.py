"""Dockerfile lexing and parsing: text in, typed instructions out (no I/O, no expansion)."""

from __future__ import annotations

from pallet.build.dockerfile.lines import Directives
from pallet.build.dockerfile.parser import Dockerfile, parse

__all__ = ["Directives", "Dockerfile", "parse"]
