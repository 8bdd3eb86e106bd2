"""Sizes, durations and times the way docker and podman print them (go-units); shared by
the front doors (CLI, REST service)."""

from __future__ import annotations

import datetime as _dt

__all__ = ["human_duration", "human_size", "parse_time", "since"]


def human_size(n: float) -> str:
    """SI units with three significant digits: ``4.26 MB`` (podman's form)."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n /= 1000.0
        i += 1
    return f"{n:.3g} {units[i]}"


def human_duration(seconds: float) -> str:
    """go-units HumanDuration: ``Less than a second``, ``3 seconds``, ``About a minute`` …"""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    m = s // 60
    if m == 1:
        return "About a minute"
    if m < 60:
        return f"{m} minutes"
    h = round(s / 3600)
    if h == 1:
        return "About an hour"
    if h < 48:
        return f"{h} hours"
    if h < 24 * 7 * 2:
        return f"{h // 24} days"
    if h < 24 * 30 * 2:
        return f"{h // 24 // 7} weeks"
    if h < 24 * 365 * 2:
        return f"{h // 24 // 30} months"
    return f"{h // 24 // 365} years"


def parse_time(text: str) -> _dt.datetime | None:
    """Parse RFC 3339 (with nanoseconds or not); None when empty or unparsable."""
    if not text:
        return None
    t = text.strip().replace("Z", "+00:00")
    if "." in t:
        head, _, rest = t.partition(".")
        frac = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            frac += rest[i]
            i += 1
        t = f"{head}.{frac[:6].ljust(6, '0')}{rest[i:]}"
    try:
        dt = _dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=_dt.UTC)


def since(text: str) -> str:
    """``3 hours ago`` for an RFC 3339 time."""
    dt = parse_time(text)
    if dt is None:
        return ""
    delta = (_dt.datetime.now(_dt.UTC) - dt).total_seconds()
    return f"{human_duration(delta)} ago"
