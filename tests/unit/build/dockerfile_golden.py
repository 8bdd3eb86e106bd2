"""Golden-file helpers for the Dockerfile corpus: a stable JSON dump of parse results."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from pallet.build.dockerfile import Dockerfile

CORPUS = Path(__file__).parent / "corpus"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        keyword = getattr(value, "keyword", None)
        body = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"keyword": keyword, **body} if keyword else body
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def dump(dockerfile: Dockerfile) -> str:
    """The parse result as indented JSON, the format of ``corpus/*.json``."""
    data = {
        "directives": _plain(dockerfile.directives),
        "warnings": list(dockerfile.warnings),
        "instructions": _plain(dockerfile.instructions),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
