"""A small HTTP/1.1 client over ``http.client``: keep-alive pools per origin, and redirects.

Kept to the standard library so that importing the registry transport stays cheap. One
``Transport`` is shared by every thread of a pull or push: a connection is taken from its
origin's idle list (or opened), used for exactly one request/response, and handed back once the
body has been read to the end. Redirects are followed for GET and HEAD only, never more than
``MAX_REDIRECTS`` times, and the ``Authorization`` header is dropped when a redirect leaves the
registry's origin (blob storage must never see registry credentials).
"""

from __future__ import annotations

import http.client
import re
import ssl
import threading
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import urlencode, urljoin, urlsplit

from pallet.errors import RegistryError

__all__ = [
    "MAX_REDIRECTS",
    "Body",
    "Response",
    "Transport",
    "add_query",
    "next_link",
    "origin_of",
    "resolve_location",
]

_BLOCK = 1 << 20  # bytes per send() of a request body (http.client's default is 8 KiB)

MAX_REDIRECTS = 10
_MAX_IDLE = 8
_REDIRECTS = (301, 302, 303, 307, 308)

# A body is bytes, or a factory opening a fresh stream (so a request can be sent again).
Body = bytes | Callable[[], BinaryIO] | None
Origin = tuple[str, str]


def origin_of(url: str) -> Origin:
    """``(scheme, host[:port])`` of an absolute URL."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def resolve_location(base_url: str, location: str) -> str:
    """An upload ``Location`` (absolute, host-relative, or relative) as an absolute URL."""
    return urljoin(base_url, location)


def add_query(url: str, **params: str) -> str:
    """``url`` with ``params`` appended, whether or not it already carries a query."""
    if not params:
        return url
    sep = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return url + sep + urlencode(params)


def next_link(header: str, base_url: str) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, resolved against ``base_url``."""
    for part in header.split(","):
        m = re.match(r"\s*<([^>]*)>\s*;(.*)$", part)
        if m and re.search(r'rel\s*=\s*"?next"?', m.group(2)):
            return urljoin(base_url, str(m.group(1)))
    return None


class Response:
    """One response. Read the body (or ``close()``) so the connection can be reused."""

    def __init__(
        self,
        transport: Transport,
        origin: Origin,
        url: str,
        conn: http.client.HTTPConnection,
        resp: http.client.HTTPResponse,
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._conn: http.client.HTTPConnection | None = conn
        self._resp = resp
        self.url = url
        self.status = resp.status
        self.reason = resp.reason
        self.headers = resp.headers

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""

    def read(self, amt: int) -> bytes:
        """Up to ``amt`` bytes; ``b""`` at the end (or when the peer closed early)."""
        data = self._resp.read(amt)
        if not data:
            self.close()
        return data

    def read_all(self, limit: int, what: str = "response") -> bytes:
        """The whole body; RegistryError if it is longer than ``limit`` bytes."""
        declared = self.header("Content-Length")
        if declared.isdigit() and int(declared) > limit:
            self.close()
            raise RegistryError(f"{what} is too large: {declared} bytes, the limit is {limit}")
        chunks: list[bytes] = []
        total = 0
        while chunk := self._resp.read(min(1 << 16, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                self.close()
                raise RegistryError(f"{what} is too large: more than {limit} bytes")
        self.close()
        return b"".join(chunks)

    def close(self) -> None:
        """Release the connection: back to the pool when the body was consumed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._resp.isclosed() and not self._resp.will_close:
            self._transport._release(self._origin, conn)
        else:
            self._resp.close()
            conn.close()

    def drain(self, limit: int = 1 << 16) -> bytes:
        """Read (a bounded part of) the body and release the connection."""
        try:
            data = self._resp.read(limit)
        except (OSError, http.client.HTTPException):
            data = b""
        if not self._resp.isclosed():
            self._resp.close()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        self.close()
        return data


class Transport:
    """Pooled connections keyed by origin. ``context_for(host)`` supplies TLS settings."""

    def __init__(
        self,
        context_for: Callable[[str], ssl.SSLContext],
        *,
        timeout: float = 60.0,
        user_agent: str = "pallet/0.1",
    ) -> None:
        self._context_for = context_for
        self._timeout = timeout
        self._user_agent = user_agent
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def _acquire(self, origin: Origin) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(origin)
            if idle:
                return idle.pop(), True
        scheme, netloc = origin
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                netloc,
                timeout=self._timeout,
                context=self._context_for(netloc),
                blocksize=_BLOCK,
            )
        elif scheme == "http":
            conn = http.client.HTTPConnection(netloc, timeout=self._timeout, blocksize=_BLOCK)
        else:
            raise RegistryError(f"unsupported URL scheme {scheme!r}")
        return conn, False

    def _release(self, origin: Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < _MAX_IDLE:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for c in conns:
            c.close()

    def send(self, method: str, url: str, headers: dict[str, str], body: Body = None) -> Response:
        """One request, no redirects. A reused connection the server had closed is replaced
        once, transparently; other connection errors propagate (the caller retries)."""
        origin = origin_of(url)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        hdrs = {"User-Agent": self._user_agent, **headers}
        for _ in range(2):
            conn, reused = self._acquire(origin)
            stream = body() if callable(body) else None
            payload: BinaryIO | bytes | None = (
                stream if stream is not None else (body if isinstance(body, bytes) else None)
            )
            try:
                conn.request(method, target, body=payload, headers=hdrs)
                resp = conn.getresponse()
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                conn.close()
                if reused:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            finally:
                if stream is not None:
                    stream.close()
            if method == "HEAD":
                resp.read()
            return Response(self, origin, url, conn, resp)
        raise ConnectionResetError("connection reset")  # unreachable: second try re-raises

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: Body = None,
        *,
        follow: bool = True,
    ) -> Response:
        """``send`` following redirects for GET/HEAD, without forwarding credentials to
        another origin, and failing after ``MAX_REDIRECTS``."""
        first = origin_of(url)
        for _ in range(MAX_REDIRECTS + 1):
            resp = self.send(method, url, headers, body)
            if not follow or resp.status not in _REDIRECTS or method not in ("GET", "HEAD"):
                return resp
            location = resp.header("Location")
            resp.drain()
            if not location:
                raise RegistryError(f"redirect without a Location from {url}", status=resp.status)
            url = resolve_location(url, location)
            if origin_of(url) != first:
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        raise RegistryError(f"too many redirects (more than {MAX_REDIRECTS}) fetching {url}")
