"""Container logs in podman's k8s-file format, and reading them for ``pallet logs``.

One line per record: ``TIMESTAMP STREAM TAG TEXT`` with an RFC 3339 UTC timestamp with
nanoseconds, STREAM ``stdout``/``stderr``, and TAG ``F`` for a full line or ``P`` for a
partial one (the text continues in the next record of the same stream).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pallet.runtime.monitor.logwriter import format_record

__all__ = ["LogRecord", "format_record", "parse_record", "parse_time", "read"]


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log line, or a whole line reassembled from partial records."""

    time: str
    stream: str
    text: bytes
    partial: bool = False


def parse_record(line: bytes) -> LogRecord | None:
    """Parse one record (with or without its newline); None for a malformed line."""
    line = line.rstrip(b"\n")
    parts = line.split(b" ", 3)
    if len(parts) < 3 or parts[2] not in (b"F", b"P"):
        return None
    text = parts[3] if len(parts) > 3 else b""
    return LogRecord(parts[0].decode(), parts[1].decode(), text, parts[2] == b"P")


def parse_time(text: str) -> int:
    """Nanoseconds since the epoch for an RFC 3339 time (as written in logs), or a number of
    seconds (``--since 1714564800``)."""
    try:
        return int(float(text) * 1e9)
    except ValueError:
        pass
    import calendar

    main, _, frac = text.rstrip("Z").partition(".")
    offset = 0
    for sign in ("+", "-"):
        if sign in frac or (sign in main[10:] and not frac):
            host = frac if sign in frac else main
            head, _, off = host.rpartition(sign)
            hh, _, mm = off.partition(":")
            offset = (int(hh) * 3600 + int(mm or 0) * 60) * (1 if sign == "+" else -1)
            if host is frac:
                frac = head
            else:
                main = head
    sec = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) - offset
    return sec * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def _records(
    fh_read: Callable[[], bytes], follow: bool, alive: Callable[[], bool], wait: Callable[[], None]
) -> Iterator[LogRecord]:
    pending: dict[str, list[bytes]] = {}
    started: dict[str, str] = {}
    buf = b""
    while True:
        chunk = fh_read()
        if chunk:
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                rec = parse_record(line)
                if rec is None:
                    continue
                if rec.partial:
                    pending.setdefault(rec.stream, []).append(rec.text)
                    started.setdefault(rec.stream, rec.time)
                    continue
                head = pending.pop(rec.stream, [])
                when = started.pop(rec.stream, rec.time)
                yield LogRecord(when, rec.stream, b"".join([*head, rec.text]))
            continue
        if not follow or not alive():
            for stream, head in pending.items():
                yield LogRecord(started[stream], stream, b"".join(head), partial=True)
            return
        wait()


def read(
    path: str,
    *,
    since: str | None = None,
    until: str | None = None,
    tail: int | None = None,
    follow: bool = False,
    timestamps: bool = False,
    alive: Callable[[], bool] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(stream, data)`` for ``pallet logs``: data is a line with its newline (a final
    partial line has none), prefixed with its timestamp when ``timestamps``.

    ``follow`` keeps reading while ``alive()`` says the container runs (inotify-free: the
    file is re-read every 50 ms, as podman's k8s-file follower does).
    """
    lo = parse_time(since) if since else None
    hi = parse_time(until) if until else None
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally below
    except FileNotFoundError:
        return
    try:
        alive_fn = alive or (lambda: False)
        recs = _records(
            lambda: fh.read(65536), follow and tail is None, alive_fn, lambda: time.sleep(0.05)
        )
        selected: Iterator[LogRecord] = recs
        if tail is not None:
            from collections import deque

            last: deque[LogRecord] = deque(maxlen=max(tail, 0))
            last.extend(r for r in recs if _within(r, lo, hi))
            selected = iter(list(last))
            if follow:
                selected = _chain(
                    selected,
                    _records(lambda: fh.read(65536), True, alive_fn, lambda: time.sleep(0.05)),
                )
        for rec in selected:
            if not _within(rec, lo, hi):
                continue
            data = rec.text if rec.partial else rec.text + b"\n"
            if timestamps and rec.time:
                data = rec.time.encode() + b" " + data
            yield rec.stream, data
    finally:
        fh.close()


def _chain(a: Iterator[LogRecord], b: Iterator[LogRecord]) -> Iterator[LogRecord]:
    yield from a
    yield from b


def _within(rec: LogRecord, lo: int | None, hi: int | None) -> bool:
    if (lo is None and hi is None) or not rec.time:
        return True
    t = parse_time(rec.time)
    return (lo is None or t >= lo) and (hi is None or t <= hi)


def file_size(path: str) -> int:
    """Size of a log file, 0 if missing."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
