"""The monitor's attach socket: fan container output out to clients, take stdin and resizes.

Output from the start is kept (up to ``BACKLOG_LIMIT``) until the first client connects, so a
``run`` that attaches just after spawning the monitor misses nothing.
"""

from __future__ import annotations

import _socket
import os

from pallet.runtime.monitor import protocol

__all__ = ["BACKLOG_LIMIT", "AttachServer", "Client"]

BACKLOG_LIMIT = 4 << 20


class Client:
    """One connected attach client."""

    def __init__(self, sock: _socket.socket) -> None:
        self.sock = sock
        self.reader = protocol.FrameReader()
        self.outbuf = bytearray()

    def fileno(self) -> int:
        """The socket's fd."""
        return self.sock.fileno()


class AttachServer:
    """A listening unix socket named ``name`` in the current directory (the container dir:
    a relative name keeps clear of the 108-byte limit on socket paths)."""

    def __init__(self, name: str, keep_backlog: bool) -> None:
        # Bound and listening under a temporary name, then renamed: a client that sees the
        # socket appear (the API polls for it) never connects before ``listen`` and gets
        # "Connection refused".
        tmp = f".{name}.{os.getpid()}"
        for path in (name, tmp):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        # the C socket type: the ``socket`` module imports ``enum`` (~6 ms) for its constants
        self.listener = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self.listener.bind(tmp)
        self.listener.listen(16)
        os.rename(tmp, name)
        self.listener.setblocking(False)
        self.clients: dict[int, Client] = {}
        self.ever_connected = False
        self.backlog: bytearray | None = bytearray() if keep_backlog else None

    def accept(self) -> Client | None:
        """Accept one pending client (it first receives the backlog, if one is kept)."""
        try:
            fd, _ = self.listener._accept()  # type: ignore[attr-defined]
        except BlockingIOError:
            return None
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, fd)
        sock.setblocking(False)
        client = Client(sock)
        self.ever_connected = True
        self.clients[client.fileno()] = client
        if self.backlog is not None:
            client.outbuf += self.backlog
            self.backlog = None
            self.flush(client)
        return client

    def broadcast(self, kind: int, payload: bytes) -> None:
        """Send a frame to every client (or keep it for the first one)."""
        data = protocol.frame(kind, payload)
        keep = self.backlog is not None and not self.clients
        if keep and self.backlog is not None and len(self.backlog) + len(data) <= BACKLOG_LIMIT:
            self.backlog += data
        for client in list(self.clients.values()):
            client.outbuf += data
            self.flush(client)

    def flush(self, client: Client) -> None:
        """Write what the client's socket takes now; a client that went away is dropped."""
        try:
            while client.outbuf:
                n = client.sock.send(client.outbuf)
                del client.outbuf[:n]
        except BlockingIOError:
            return
        except OSError:
            self.drop(client)

    def flush_blocking(self) -> None:
        """Deliver everything pending before the monitor closes the sockets."""
        for client in list(self.clients.values()):
            if client.outbuf:
                try:
                    client.sock.setblocking(True)
                    client.sock.settimeout(2.0)
                    client.sock.sendall(client.outbuf)
                except OSError:
                    pass
                client.outbuf.clear()

    def drop(self, client: Client) -> None:
        """Forget and close a client."""
        self.clients.pop(client.fileno(), None)
        try:
            client.sock.close()
        except OSError:
            pass

    def close(self) -> None:
        """Close every client and the listener."""
        self.flush_blocking()
        for client in list(self.clients.values()):
            self.drop(client)
        self.listener.close()
