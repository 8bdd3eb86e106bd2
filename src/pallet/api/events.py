"""``/events``: what this service itself did (create, start, die, destroy, pull, tag...).

Actions taken by other processes on the same store (the CLI) are not seen here: the store has
no event log. The stream keeps to Docker's shape and ends at ``until`` or when the client goes.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

__all__ = ["EventBus"]


class EventBus:
    """Fan events out to subscribers; the last few are kept for ``since``."""

    KEEP = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[queue.Queue[dict[str, Any]]] = []
        self._recent: list[dict[str, Any]] = []

    def publish(self, type_: str, action: str, actor_id: str, attrs: dict[str, str]) -> None:
        now = time.time_ns()
        event: dict[str, Any] = {
            "Type": type_,
            "Action": action,
            "Actor": {"ID": actor_id, "Attributes": dict(attrs)},
            "scope": "local",
            "time": now // 1_000_000_000,
            "timeNano": now,
        }
        if type_ in ("container", "image"):
            event.update(
                status=action, id=actor_id, **({"from": attrs["image"]} if "image" in attrs else {})
            )
        with self._lock:
            self._recent = [*self._recent[-(self.KEEP - 1) :], event]
            for q in self._subs:
                q.put(event)

    def subscribe(self) -> tuple[queue.Queue[dict[str, Any]], list[dict[str, Any]]]:
        """A queue of future events and a copy of the recent ones."""
        q: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._subs.append(q)
            return q, list(self._recent)

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            if q in self._subs:
                self._subs.remove(q)
