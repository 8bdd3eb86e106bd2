"""Progress for pull, push and copy: bars on a terminal, one summary line when piped.

On a terminal every blob gets a line (``Copying blob 3a5f2e1c9b0d [=====>   ] 12.3MB / 45.6MB
10.2MB/s``) and a last line totals them, redrawn in place at most ten times a second. When
stderr is not a terminal a single line sums the transfer up at the end. With ``-q`` nothing is
drawn. The transport's worker threads call ``started``/``advanced``/``finished`` concurrently.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO

from pallet.humanize import human_size

__all__ = ["BarProgress", "make_progress"]

_BAR = 24
_INTERVAL = 0.1


@dataclass(slots=True)
class _Blob:
    size: int
    done: int = 0
    status: str = ""
    start: float = 0.0
    end: float = 0.0


def _bar(done: int, size: int) -> str:
    if size <= 0:
        return " " * (_BAR + 2)
    filled = min(_BAR, done * _BAR // size)
    head = ">" if filled < _BAR else ""
    return "[" + ("=" * filled + head).ljust(_BAR)[:_BAR] + "]"


def _rate(nbytes: int, seconds: float) -> str:
    return f"{human_size(nbytes / seconds)}/s" if seconds > 0 else ""


class BarProgress:
    """A ``pallet.transports.registry.Progress`` that draws on ``stream``.

    ``mode`` is ``"tty"`` (bars), ``"summary"`` (one line at the end) or ``"quiet"``.
    """

    def __init__(self, stream: TextIO, mode: str, *, verb: str = "Copied") -> None:
        self._stream = stream
        self.mode = mode
        self._verb = verb
        self._blobs: dict[str, _Blob] = {}
        self._lock = threading.Lock()
        self._drawn = 0
        self._last = 0.0
        self._t0 = time.monotonic()

    # -- the Progress protocol --------------------------------------------------------------

    def started(self, digest: str, size: int) -> None:
        with self._lock:
            self._blobs.setdefault(digest, _Blob(size, start=time.monotonic()))
        self._draw()

    def advanced(self, digest: str, done: int) -> None:
        with self._lock:
            blob = self._blobs.get(digest)
            if blob is not None:
                blob.done = done
        self._draw()

    def finished(self, digest: str, status: str) -> None:
        with self._lock:
            blob = self._blobs.setdefault(digest, _Blob(0))
            blob.status = status
            blob.end = time.monotonic()
            if status == "done" and blob.size > 0:
                blob.done = blob.size
        self._draw(force=True)

    # -- lines around the bars --------------------------------------------------------------

    def line(self, text: str) -> None:
        """A podman-style status line (``Writing manifest to image destination``), tty only."""
        if self.mode != "tty":
            return
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()
            self._drawn = 0
            self._blobs.clear()

    def close(self) -> None:
        """Draw the final state (tty) or print the summary line (piped)."""
        if self.mode == "tty":
            self._draw(force=True)
        elif self.mode == "summary":
            self._stream.write(self.summary() + "\n")
            self._stream.flush()

    def summary(self) -> str:
        with self._lock:
            blobs = list(self._blobs.values())
        moved = sum(b.done for b in blobs if b.status != "exists")
        skipped = sum(1 for b in blobs if b.status in ("exists", "mounted"))
        took = time.monotonic() - self._t0
        if not blobs:  # file transports copy without per-blob reports
            return f"{self._verb} image in {took:.1f}s"
        text = f"{self._verb} {len(blobs)} blobs, {human_size(moved)} in {took:.1f}s"
        if took > 0 and moved:
            text += f" ({_rate(moved, took)})"
        if skipped:
            text += f", {skipped} already present"
        return text

    # -- drawing ----------------------------------------------------------------------------

    def _draw(self, force: bool = False) -> None:
        if self.mode != "tty":
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < _INTERVAL:
                return
            self._last = now
            lines = [self._blob_line(d, b, now) for d, b in self._blobs.items()]
            lines.append(self._total_line(now))
            out = ("\x1b[1A\x1b[2K" * self._drawn) + "".join(f"\r{ln}\n" for ln in lines)
            self._stream.write(out)
            self._stream.flush()
            self._drawn = len(lines)

    @staticmethod
    def _blob_line(digest: str, b: _Blob, now: float) -> str:
        short = digest.partition(":")[2][:12]
        if b.status in ("exists", "mounted"):
            return f"Copying blob {short} skipped: already exists"
        took = (b.end or now) - b.start
        state = "done" if b.status == "done" else _rate(b.done, took)
        size = f"{human_size(b.done)} / {human_size(b.size)}" if b.size > 0 else ""
        return f"Copying blob {short} {_bar(b.done, b.size)} {size} {state}".rstrip()

    def _total_line(self, now: float) -> str:
        size = sum(max(b.size, 0) for b in self._blobs.values() if b.status != "exists")
        done = sum(b.done for b in self._blobs.values() if b.status != "exists")
        took = now - self._t0
        return f"Total        {_bar(done, size)} {human_size(done)} / {human_size(size)} " + _rate(
            done, took
        )


def make_progress(
    quiet: bool, *, verb: str = "Copied", stream: TextIO | None = None
) -> BarProgress:
    """Bars on a terminal, a summary when piped, nothing when ``quiet``."""
    out = stream or sys.stderr
    mode = "quiet" if quiet else ("tty" if out.isatty() else "summary")
    return BarProgress(out, mode, verb=verb)
