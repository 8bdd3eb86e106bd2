"""A tiny HTTP proxy on 127.0.0.1 that breaks blob downloads on purpose.

Put it in front of a plain-HTTP registry and talk to ``proxy.host`` instead::

    with FaultProxy(registry.host) as proxy:
        proxy.corrupt_blobs(1)   # the next blob GET has one byte flipped
        proxy.cut_blobs(2)       # the next two blob GETs stop half-way and drop the connection
        proxy.fail(500, 3)       # the next three requests answer 500

Requests keep their Host header, so registry Locations point back at the proxy. Each request
seen is recorded in ``proxy.requests`` as ``(method, path, headers)``.
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["FaultProxy"]

_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}


class FaultProxy:
    """An HTTP/1.1 forwarding proxy with countdowns of faults to inject."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._corrupt = 0
        self._cut = 0
        self._fail: tuple[int, int, str] = (0, 0, "")
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    def corrupt_blobs(self, times: int = 1) -> None:
        """Flip one byte in the middle of the next ``times`` blob responses."""
        with self._lock:
            self._corrupt = times

    def cut_blobs(self, times: int = 1) -> None:
        """Send half of the next ``times`` blob responses, then close the connection."""
        with self._lock:
            self._cut = times

    def fail(self, status: int = 500, times: int = 1, path_contains: str = "") -> None:
        """Answer the next ``times`` matching requests with ``status`` and an empty body."""
        with self._lock:
            self._fail = (status, times, path_contains)

    def _take(self, method: str, path: str) -> str:
        with self._lock:
            status, times, needle = self._fail
            if times and needle in path:
                self._fail = (status, times - 1, needle)
                return f"fail:{status}"
            if method == "GET" and "/blobs/sha256:" in path:
                if self._cut:
                    self._cut -= 1
                    return "cut"
                if self._corrupt:
                    self._corrupt -= 1
                    return "corrupt"
        return ""

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                with proxy._lock:
                    proxy.requests.append((self.command, self.path, headers))
                fault = proxy._take(self.command, self.path)
                if fault.startswith("fail:"):
                    self.send_response(int(fault[5:]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    out_headers = [
                        (k, v)
                        for k, v in resp.getheaders()
                        if k.lower() not in _HOP and k.lower() != "content-length"
                    ]
                finally:
                    conn.close()
                blob = resp.status in (200, 206) and len(data) > 1
                if fault == "corrupt" and blob:
                    mid = len(data) // 2
                    data = data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1 :]
                self.send_response(resp.status, resp.reason)
                for k, v in out_headers:
                    self.send_header(k, v)
                declared = resp.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", declared or str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                if fault == "cut" and blob:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
