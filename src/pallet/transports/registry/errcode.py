"""Registry error responses → RegistryError, in the wording docker and podman print.

The distribution spec's body is ``{"errors": [{"code": "MANIFEST_UNKNOWN", "message": ...}]}``.
A code is shown as lowercase words (``MANIFEST_UNKNOWN`` → ``manifest unknown``), followed by
the message when it adds something: ``denied: requested access to the resource is denied``,
``unauthorized: authentication required``, ``manifest unknown``.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from pallet.errors import RegistryError, Unauthorized

__all__ = ["error_from_response", "format_errors", "is_temporary_status"]

_STATUS_FALLBACK = {
    401: ("UNAUTHORIZED", "authentication required"),
    403: ("DENIED", "requested access to the resource is denied"),
    429: ("TOOMANYREQUESTS", "too many requests"),
}


def is_temporary_status(status: int) -> bool:
    """408, 429 and 5xx: a retry may succeed."""
    return status in (408, 429) or 500 <= status <= 599


def _words(code: str) -> str:
    return code.replace("_", " ").lower()


def format_errors(body: bytes) -> tuple[str, str]:
    """``(first code, one-line text)`` from an error body; ``("", "")`` if it has none."""
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "", ""
    errors = obj.get("errors") if isinstance(obj, dict) else None
    if not isinstance(errors, list) or not errors:
        return "", ""
    parts: list[str] = []
    first = ""
    for err in errors:
        if not isinstance(err, dict):
            continue
        code = str(err.get("code", "") or "")
        message = str(err.get("message", "") or "")
        first = first or code
        words = _words(code) if code else ""
        if words and message and message.lower() != words:
            parts.append(f"{words}: {message}")
        else:
            parts.append(words or message)
    return first, "; ".join(p for p in parts if p)


def error_from_response(status: int, body: bytes, context: str = "") -> RegistryError:
    """The RegistryError for a failed response; ``context`` prefixes the message."""
    code, text = format_errors(body)
    if not text:
        if status in _STATUS_FALLBACK:
            code, msg = _STATUS_FALLBACK[status]
            text = f"{_words(code)}: {msg}"
        elif status == 404:
            text = "not found"
        else:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = ""
            text = f"received unexpected HTTP status: {status} {phrase}".rstrip()
    message = f"{context}: {text}" if context else text
    temporary = is_temporary_status(status)
    if status == 401 or code == "UNAUTHORIZED":
        return Unauthorized(message, code=code or "UNAUTHORIZED", status=status)
    return RegistryError(message, code=code, status=status, temporary=temporary)
