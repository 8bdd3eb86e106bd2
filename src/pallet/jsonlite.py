"""JSON on the C accelerator alone, for the ``run`` path and the container monitor.

``import json`` costs ~12 ms here: ``json.decoder`` compiles regular expressions at import,
which pulls in ``re`` and ``enum``. The parsing and the compact encoding are done by CPython's
``_json`` extension either way; this module calls it directly. Same results as ``json.loads``
and ``json.dumps(obj, separators=(",", ":"))`` (with ``sort_keys`` if asked), for the types
pallet writes: dict, list, tuple, str, int, float, bool and None.
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["dumps", "loads"]


def _parse_constant(name: str) -> float:
    return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


class _Context:
    """What ``_json.make_scanner`` reads off ``json.JSONDecoder``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_parse_constant)
    memo: dict[str, str] = {}


_scan = _json.make_scanner(_Context())  # type: ignore[arg-type]
_WS = " \t\n\r"


def loads(text: str | bytes) -> Any:
    """Parse one JSON document; raise ValueError if it is not one."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8-sig" if text[:3] == b"\xef\xbb\xbf" else "utf-8")
    n = len(text)
    i = 0
    while i < n and text[i] in _WS:
        i += 1
    try:
        obj, end = _scan(text, i)
    except StopIteration as exc:
        raise ValueError(f"invalid JSON at offset {exc.value}") from None
    finally:
        _Context.memo.clear()
    while end < n and text[end] in _WS:
        end += 1
    if end != n:
        raise ValueError(f"invalid JSON: extra data at offset {end}")
    return obj


def _default(obj: object) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _encoder(sort_keys: bool) -> Any:
    return _json.make_encoder(
        {},  # markers: detects cycles (a new dict each time, as json.dumps does)
        _default,
        _json.encode_basestring_ascii,
        None,  # indent: the C encoder only writes compact JSON
        ":",
        ",",
        sort_keys,
        False,  # skipkeys
        True,  # allow_nan
    )


def dumps(obj: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON (no spaces), non-ASCII escaped, as ``json.dumps`` with these separators."""
    return "".join(_encoder(sort_keys)(obj, 0))
