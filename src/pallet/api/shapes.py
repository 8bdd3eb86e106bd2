"""Docker's JSON shapes for containers and images, and the helpers they need.

Names: the store keeps short names under ``localhost/`` and Docker Hub names in full
(``docker.io/library/busybox:latest``); the API shows them the way dockerd does
(``busybox:latest``), so clients that compare ``RepoTags`` or ``Config.Image`` with what they
asked for find it. Any other registry's names are shown as they are.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

from pallet.api.http import HTTPError
from pallet.humanize import human_duration

__all__ = [
    "epoch",
    "familiar",
    "human_duration",
    "parse_filters",
    "parse_time",
    "status_text",
]

_FRACTION = re.compile(r"\.(\d+)")


def familiar(name: str) -> str:
    """``docker.io/library/x:t`` → ``x:t``; ``localhost/x:t`` → ``x:t``."""
    for prefix in ("docker.io/library/", "docker.io/", "localhost/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def epoch(rfc3339: str) -> int:
    """Seconds since the epoch of an RFC 3339 time (nanoseconds allowed); 0 when empty."""
    if not rfc3339 or rfc3339.startswith("0001-"):
        return 0
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6], rfc3339.replace("Z", "+00:00"))
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        return 0


def parse_time(text: str) -> float | None:
    """``since``/``until`` query values: Unix seconds (with a fraction), or RFC 3339."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    value = epoch(text)
    if value == 0:
        raise HTTPError(400, f"invalid time value {text!r}")
    return float(value)


def status_text(status: str, exit_code: int, started: str, finished: str) -> str:
    """``Up 5 seconds``, ``Exited (0) 2 minutes ago``, ``Created``... as ``docker ps``."""
    now = time.time()
    if status in ("running", "paused", "restarting"):
        text = f"Up {human_duration(now - epoch(started))}"
        if status == "paused":
            text += " (Paused)"
        if status == "restarting":
            return f"Restarting ({exit_code}) {human_duration(now - epoch(finished))} ago"
        return text
    if status == "exited":
        return f"Exited ({exit_code}) {human_duration(now - epoch(finished))} ago"
    if status == "dead":
        return "Dead"
    return "Created"


def parse_filters(raw: Any) -> dict[str, list[str]]:
    """Docker's ``filters``: ``{"k": ["v", ...]}`` or the old ``{"k": {"v": true}}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise HTTPError(400, "invalid filter: want a JSON object")
    out: dict[str, list[str]] = {}
    for key, val in raw.items():
        if isinstance(val, dict):
            out[str(key)] = [str(k) for k, on in val.items() if on]
        elif isinstance(val, list):
            out[str(key)] = [str(v) for v in val]
        else:
            out[str(key)] = [str(val)]
    return out


def label_match(labels: dict[str, str], wanted: list[str]) -> bool:
    """Every ``key`` or ``key=value`` in ``wanted`` holds for ``labels``."""
    for item in wanted:
        key, eq, val = item.partition("=")
        if key not in labels or (eq and labels[key] != val):
            return False
    return True
