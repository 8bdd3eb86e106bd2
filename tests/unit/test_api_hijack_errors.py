"""An error after a hijack closes the raw stream: nothing but the streamed bytes reach the
client (a JSON chunk there would read as a bad frame header to the docker CLI)."""

from __future__ import annotations

import socket

from pallet.api.http import Body, Connection, Request, Response
from pallet.api.router import Router, route
from pallet.errors import RuntimeFailure


@route("POST", "/_test/hijack-then-fail")
def _hijack_then_fail(req: Request, resp: Response, svc: object) -> None:
    resp.hijack(True, "application/vnd.docker.multiplexed-stream")
    resp.conn.send(b"\x01\x00\x00\x00\x00\x00\x00\x02ok")
    raise RuntimeFailure("cannot attach to the container: Connection refused")


def test_an_error_after_a_hijack_only_closes_the_stream() -> None:
    ours, theirs = socket.socketpair()
    conn = Connection(ours)
    req = Request("POST", "/_test/hijack-then-fail", "/_test/hijack-then-fail", {}, {},
                  Body(conn, 0, False))  # fmt: skip
    resp = Response(conn, {})
    Router().dispatch(req, resp, object())  # type: ignore[arg-type]
    ours.close()
    data = b""
    while chunk := theirs.recv(65536):
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    assert rest == b"\x01\x00\x00\x00\x00\x00\x00\x02ok"
    assert resp.keep_alive is False
