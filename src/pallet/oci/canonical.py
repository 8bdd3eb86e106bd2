"""The one JSON encoding pallet writes its own manifests and configs in."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["canonical_json"]


def canonical_json(obj: Any) -> bytes:
    """Compact JSON with a stable key order of the caller's dicts, as pallet writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
