"""Container stdio over HTTP: Docker's multiplexed frames, attach sessions on a hijacked
connection, and exit watching for ``wait``.

The engine's ``attach_streams`` pumps a monitor's attach socket to file descriptors; the API
needs the same session over a client's socket, with each output chunk framed (8-byte header:
stream, three zero bytes, big-endian length) unless the container has a tty. This module
speaks the monitor's protocol directly for that, and records every exit it sees so that
``POST /containers/{id}/wait`` can answer even after an ``--rm`` container is gone.
"""

from __future__ import annotations

import json
import os
import select
import threading
import uuid
from typing import TYPE_CHECKING

from pallet.runtime.monitor import protocol

if TYPE_CHECKING:
    from pallet.api.http import Connection

__all__ = ["Exits", "follow_monitor", "mux", "pump_attach"]

#: ctrl-p ctrl-q: Docker's default detach sequence for attach sessions with stdin.
DETACH_KEYS = b"\x10\x11"


def mux(stream: int, data: bytes) -> bytes:
    """One frame of Docker's multiplexed stream (1 stdout, 2 stderr, 3 system error)."""
    return bytes((stream, 0, 0, 0)) + len(data).to_bytes(4, "big") + data


class Exits:
    """Every exit seen per container, deduplicated by the monitor's ``finished_at``."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seen: dict[str, list[tuple[str, int]]] = {}
        self.watching: dict[str, int] = {}

    def record(self, cid: str, code: int, key: str) -> None:
        with self.cond:
            items = self.seen.setdefault(cid, [])
            if not any(k == key for k, _ in items):
                items.append((key, code))
                del items[:-16]
                self.cond.notify_all()

    def count(self, cid: str) -> int:
        with self.cond:
            return len(self.seen.get(cid, ()))

    def last(self, cid: str) -> int | None:
        with self.cond:
            items = self.seen.get(cid)
            return items[-1][1] if items else None

    def watch(self, cid: str, delta: int) -> None:
        with self.cond:
            self.watching[cid] = self.watching.get(cid, 0) + delta
            if self.watching[cid] <= 0:
                del self.watching[cid]

    def is_watched(self, cid: str) -> bool:
        with self.cond:
            return cid in self.watching


def _exit_key(container_dir: str) -> str:
    from pallet.runtime.monitor.files import read_exit

    status = read_exit(container_dir)
    return status.finished_at if status and status.finished_at else uuid.uuid4().hex


def follow_monitor(exits: Exits, cid: str, container_dir: str) -> None:
    """Connect to the container's monitor and record its exits until it goes away."""
    from pallet.errors import RuntimeFailure
    from pallet.runtime.attach import connect

    try:
        client = connect(container_dir)
    except RuntimeFailure:
        return
    exits.watch(cid, 1)
    reader = protocol.FrameReader()
    try:
        with client:
            while True:
                data = client.sock.recv(65536)
                if not data:
                    return
                for kind, payload in reader.feed(data):
                    if kind == protocol.EXIT:
                        code = int(json.loads(payload)["code"])
                        exits.record(cid, code, _exit_key(container_dir))
    except OSError:
        return
    finally:
        exits.watch(cid, -1)


def pump_attach(
    conn: Connection,
    exits: Exits,
    cid: str,
    container_dir: str,
    *,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
    on_connected: object = None,
) -> None:
    """Run one attach session between the client's hijacked ``conn`` and the monitor, until
    the container exits, the client detaches (ctrl-p ctrl-q) or goes away."""
    from pallet.runtime.attach import connect

    client = connect(container_dir)
    if callable(on_connected):
        on_connected()
    exits.watch(cid, 1)
    msock = client.sock
    reader = protocol.FrameReader()
    matched = 0
    csock = conn.sock
    pending = bytes(conn.buf)
    conn.buf.clear()
    try:
        if stdin and pending:
            msock.sendall(protocol.frame(protocol.STDIN, pending))
        poller = select.poll()
        poller.register(msock.fileno(), select.POLLIN)
        if stdin:
            poller.register(csock.fileno(), select.POLLIN)
        while True:
            for fd, _ev in poller.poll():
                if fd == msock.fileno():
                    data = msock.recv(65536)
                    if not data:
                        return
                    for kind, payload in reader.feed(data):
                        if kind == protocol.EXIT:
                            code = int(json.loads(payload)["code"])
                            exits.record(cid, code, _exit_key(container_dir))
                        elif (kind == protocol.STDOUT and stdout) or (
                            kind == protocol.STDERR and stderr
                        ):
                            csock.sendall(payload if tty else mux(kind, payload))
                    continue
                data = csock.recv(65536)
                if not data:  # the client closed its side: the container's stdin ends
                    poller.unregister(csock.fileno())
                    msock.sendall(protocol.frame(protocol.STDIN_EOF))
                    continue
                if tty:
                    for byte in data:
                        matched = matched + 1 if byte == DETACH_KEYS[matched] else 0
                        if matched == len(DETACH_KEYS):
                            return
                msock.sendall(protocol.frame(protocol.STDIN, data))
    except OSError:
        return
    finally:
        exits.watch(cid, -1)
        client.close()


def resize_monitor(container_dir: str, rows: int, cols: int) -> None:
    """Resize a tty container's terminal through its monitor."""
    from pallet.runtime.attach import connect

    with connect(container_dir) as client:
        client.resize(rows, cols)


def close_write(sock_fd: int) -> None:
    """Half-close a socket given by fd (tell the peer no more data follows)."""
    import socket

    s = socket.socket(fileno=os.dup(sock_fd))
    try:
        s.shutdown(socket.SHUT_WR)
    finally:
        s.close()
