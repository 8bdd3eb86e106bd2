"""Timestamps as Go's RFC3339Nano writes them (what docker, podman and skopeo print).

Import-light: a replayed ``run`` stamps its container's creation with it."""

from __future__ import annotations

import time

__all__ = ["now_rfc3339"]


def now_rfc3339() -> str:
    """UTC now as Go's RFC3339Nano writes it: trailing zeros of the fraction dropped, so a
    time survives a round trip through Go tools unchanged."""
    ns = time.time_ns()
    frac = f"{ns % 10**9:09d}".rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + (
        f".{frac}Z" if frac else "Z"
    )
