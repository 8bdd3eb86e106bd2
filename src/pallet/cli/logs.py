"""``pallet logs``: a container's output, as recorded by its monitor."""

from __future__ import annotations

import argparse
import os

from pallet.cli.globals import GlobalOptions

__all__ = ["logs"]


def _time_arg(text: str | None) -> str | None:
    """docker accepts RFC 3339, Unix seconds, or a duration (``10m`` = 10 minutes ago)."""
    if not text:
        return None
    import datetime as dt
    import re

    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text)
    if m:
        mult = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        when = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(m.group(1)) * mult)
        return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return dt.datetime.fromtimestamp(float(text), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return text


def logs(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet logs", description="Fetch a container's logs")
    p.add_argument("container")
    p.add_argument("-f", "--follow", action="store_true")
    p.add_argument("--tail", default="all")
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("-t", "--timestamps", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.containers import logs as read_logs
    from pallet.errors import InvalidArgument

    tail = None
    if a.tail not in ("all", "-1"):
        if not a.tail.isdigit():
            raise InvalidArgument(f"invalid --tail {a.tail!r}")
        tail = int(a.tail)
    for stream, line in read_logs(
        g.engine(),
        a.container,
        since=_time_arg(a.since),
        until=_time_arg(a.until),
        tail=tail,
        follow=a.follow,
        timestamps=a.timestamps,
    ):
        fd = 2 if stream == "stderr" else 1
        view = memoryview(line)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    return 0
