"""The monitor's log writer: container output to a k8s-file log, as conmon writes it."""

from __future__ import annotations

import os

from pallet.runtime.monitor.files import now_rfc3339

__all__ = ["LogWriter", "format_record"]


def format_record(time_text: str, stream: str, text: bytes, partial: bool) -> bytes:
    """One k8s-file record (``text`` has no newline)."""
    return f"{time_text} {stream} {'P' if partial else 'F'} ".encode() + text + b"\n"


class LogWriter:
    """Append each chunk of output as records: complete lines ``F``, a trailing fragment
    ``P`` (written at once, so the log is never behind the container)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)

    def write(self, stream: str, data: bytes) -> None:
        """Record ``data`` read from the container's ``stream`` (``stdout``/``stderr``)."""
        if not data:
            return
        stamp = now_rfc3339()
        lines = data.split(b"\n")
        tail = lines.pop()
        out = [format_record(stamp, stream, ln.rstrip(b"\r"), False) for ln in lines]
        if tail:
            out.append(format_record(stamp, stream, tail, True))
        buf = b"".join(out)
        while buf:
            n = os.write(self.fd, buf)
            buf = buf[n:]

    def close(self) -> None:
        """Close the log file."""
        os.close(self.fd)
