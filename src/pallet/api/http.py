"""A small HTTP/1.1 server connection: keep-alive, chunked bodies both ways, and hijacking.

The standard library's ``http.server`` cannot hand a connection over to a raw byte stream
the way the Engine API's attach and exec endpoints need (``101 UPGRADED`` then stdio frames),
so this module reads requests and writes responses on the socket itself. One
:class:`Connection` serves the requests of one client, one after another.
"""

from __future__ import annotations

import io
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Body", "Connection", "HTTPError", "Request", "Response"]

_MAX_LINE = 65536
_REASONS = {
    101: "UPGRADED",
    200: "OK",
    201: "Created",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    501: "Not Implemented",
}


class HTTPError(Exception):
    """A request that cannot be answered normally; ``status`` and Docker's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Connection:
    """Buffered reads from a socket; what is buffered survives a hijack."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.closed = False

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def readline(self) -> bytes:
        """One line with its ``\\n``, or what is left before EOF."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return line
            if len(self.buf) > _MAX_LINE:
                raise HTTPError(400, "request line too long")
            if not self._fill():
                line = bytes(self.buf)
                self.buf.clear()
                return line

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at EOF)."""
        while len(self.buf) < n:
            if not self._fill():
                break
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_some(self, n: int) -> bytes:
        """At most ``n`` bytes, waiting only when nothing is buffered."""
        if not self.buf and not self._fill():
            return b""
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


class Body(io.RawIOBase):
    """A request body as a stream: ``Content-Length`` bytes, or a chunked body."""

    def __init__(self, conn: Connection, length: int | None, chunked: bool) -> None:
        self.conn = conn
        self.left = length or 0
        self.chunked = chunked
        self.done = not chunked and not length

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        if self.done:
            return 0
        if self.chunked and self.left == 0:
            line = self.conn.readline().split(b";")[0].strip()
            try:
                self.left = int(line, 16)
            except ValueError:
                raise HTTPError(400, "malformed chunked encoding") from None
            if self.left == 0:
                while self.conn.readline() not in (b"\r\n", b"\n", b""):
                    pass
                self.done = True
                return 0
        data = self.conn.read_some(min(len(buf), self.left))
        if not data:
            self.done = True
            return 0
        self.left -= len(data)
        if self.left == 0:
            if self.chunked:
                self.conn.readline()
            else:
                self.done = True
        buf[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read and drop what is left (so the next request on the connection parses)."""
        while self.read(65536):
            pass


@dataclass(slots=True)
class Request:
    """One parsed request. ``path`` has the ``/vX.Y`` prefix removed by the router."""

    method: str
    target: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Body
    version: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``1``, ``true``, ``True``; docker's rules)."""
        values = self.query.get(name)
        if not values:
            return default
        v = values[-1].strip().lower()
        return v not in ("", "0", "false", "no")

    def int_arg(self, name: str, default: int | None = None) -> int | None:
        values = self.query.get(name)
        if not values or values[-1] == "":
            return default
        try:
            return int(values[-1])
        except ValueError:
            raise HTTPError(400, f"invalid value for {name}: {values[-1]!r}") from None

    def json(self, *, default: Any = None) -> Any:
        """The body parsed as JSON (``default`` when empty); 400 when malformed."""
        data = self.body.read()
        if not data or not data.strip():
            return default
        try:
            return json.loads(data)
        except ValueError as exc:
            raise HTTPError(400, f"invalid JSON: {exc}") from None

    def json_arg(self, name: str) -> Any:
        """A query parameter holding JSON (``filters``, ``buildargs``...); 400 when malformed."""
        text = self.arg(name)
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise HTTPError(400, f"invalid {name} parameter: {exc}") from None


def read_request(conn: Connection) -> Request | None:
    """The next request on ``conn``, or None when the client closed the connection."""
    line = conn.readline()
    while line in (b"\r\n", b"\n"):
        line = conn.readline()
    if not line:
        return None
    try:
        method, target, _proto = line.decode("latin-1").split()
    except ValueError:
        raise HTTPError(400, "malformed request line") from None
    headers: dict[str, str] = {}
    while True:
        h = conn.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length = None
    if "content-length" in headers and not chunked:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise HTTPError(400, "bad Content-Length") from None
    parts = urlsplit(target)
    return Request(
        method=method.upper(),
        target=target,
        path=unquote(parts.path),
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=Body(conn, length, chunked),
    )


class Response:
    """Writes one response: whole (``send``/``json``), streamed (``stream``), or hijacked."""

    def __init__(self, conn: Connection, base_headers: dict[str, str]) -> None:
        self.conn = conn
        self.base = base_headers
        self.started = False
        self.keep_alive = True
        self.head_only = False
        self.hijacked = False
        self._chunked = False

    def _head(self, status: int, headers: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        for k, v in {**self.base, **headers}.items():
            lines.append(f"{k}: {v}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, status: int, body: bytes = b"", content_type: str = "", **headers: str) -> None:
        """A complete response with a Content-Length."""
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        if content_type:
            hdrs["Content-Type"] = content_type
        if status not in (204, 304):
            hdrs["Content-Length"] = str(len(body))
        self.started = True
        self.conn.send(self._head(status, hdrs) + (b"" if self.head_only else body))

    def json(self, obj: Any, status: int = 200, **headers: str) -> None:
        """``obj`` as a JSON response (Docker ends its JSON bodies with a newline)."""
        self.send(status, json.dumps(obj).encode() + b"\n", "application/json", **headers)

    def stream(self, status: int = 200, content_type: str = "application/json") -> None:
        """Start a chunked response; then ``write`` and ``end``."""
        self.started = True
        self._chunked = True
        self.conn.send(
            self._head(status, {"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        )

    def write(self, data: bytes) -> None:
        """One chunk of a streamed response."""
        if data:
            self.conn.send(b"%x\r\n%s\r\n" % (len(data), data))

    def write_json(self, obj: Any) -> None:
        self.write(json.dumps(obj).encode() + b"\r\n")

    def end(self) -> None:
        """The last chunk."""
        if self._chunked:
            self._chunked = False
            self.conn.send(b"0\r\n\r\n")

    def hijack(self, upgrade: bool, content_type: str) -> None:
        """Answer ``101 UPGRADED`` (when the client asked for ``Upgrade: tcp``) or ``200``;
        from here the connection carries raw bytes and is closed afterwards."""
        self.started = True
        self.hijacked = True
        self.keep_alive = False
        if upgrade:
            head = self._head(
                101, {"Content-Type": content_type, "Connection": "Upgrade", "Upgrade": "tcp"}
            )
        else:
            head = self._head(200, {"Content-Type": content_type})
        self.conn.send(head)
