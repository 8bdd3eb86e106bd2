"""The attach socket's framing, shared by the monitor and ``pallet.runtime.attach``.

Every frame is one type byte, a 4-byte big-endian length, and the payload. The monitor sends
STDOUT/STDERR data and an EXIT frame (JSON: ``code``, ``restarting``) each time the process
ends; clients send STDIN data, STDIN_EOF, and RESIZE (ASCII ``"ROWS COLS"``) for a tty.
"""

from __future__ import annotations

__all__ = [
    "EXIT",
    "HEADER",
    "RESIZE",
    "STDERR",
    "STDIN",
    "STDIN_EOF",
    "STDOUT",
    "FrameReader",
    "frame",
]

STDIN = 0
STDOUT = 1
STDERR = 2
EXIT = 3
STDIN_EOF = 4
RESIZE = 5
HEADER = 5


def frame(kind: int, payload: bytes = b"") -> bytes:
    """Encode one frame."""
    return bytes((kind,)) + len(payload).to_bytes(4, "big") + payload


class FrameReader:
    """Incremental decoder: feed bytes, get complete ``(kind, payload)`` frames back."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Add ``data``; return every frame completed by it."""
        self._buf += data
        out = []
        while len(self._buf) >= HEADER:
            size = int.from_bytes(self._buf[1:HEADER], "big")
            if len(self._buf) < HEADER + size:
                break
            out.append((self._buf[0], bytes(self._buf[HEADER : HEADER + size])))
            del self._buf[: HEADER + size]
        return out
