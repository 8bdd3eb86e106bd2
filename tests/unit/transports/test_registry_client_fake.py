"""The registry client against a scripted in-process HTTP server: the Bearer token flow and
token refresh, redirects to blob storage without credentials, redirect loops, size limits."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pallet.errors import RegistryError, Unauthorized
from pallet.oci.descriptor import Descriptor
from pallet.transports.registry import MANIFEST_LIMIT, RegistryClient, RegistryOptions, fetch_blob

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:
                server.seen.append((self.command, self.path, dict(self.headers.items())))
                path = urlsplit(self.path).path
                route = server.routes.get(path)
                status, headers, body = route(self) if route else (404, {}, b"")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_POST = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def other() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def _client(server: Server, **kw: object) -> RegistryClient:
    opts = RegistryOptions(tls_verify=False, backoff=0.0, auth_file="/nonexistent", **kw)  # type: ignore[arg-type]
    return RegistryClient(server.host, opts)


BLOB = b"hello blob" * 100
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()


class Sink:
    def __init__(self) -> None:
        self.data = b""
        self.state = ""

    def write(self, data: bytes, /) -> None:
        self.data += data

    def commit(self) -> None:
        self.state = "committed"

    def abort(self) -> None:
        self.state = "aborted"


def _bearer_registry(server: Server, *, expire_first: bool = False) -> list[str]:
    issued: list[str] = []
    rejected: set[str] = set()
    realm = f"http://{server.host}/token"

    def token(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        q = parse_qs(urlsplit(h.path).query)
        if h.headers.get("Authorization") != "Basic dTpw":  # u:p
            return 401, {}, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad creds"}]}'
        tok = f"tok{len(issued)}:" + " ".join(sorted(q.get("scope", [])))
        issued.append(tok)
        return 200, {}, json.dumps({"token": tok, "expires_in": 300}).encode()

    def guarded(body: bytes) -> Route:
        def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            got = (h.headers.get("Authorization") or "").removeprefix("Bearer ")
            scope = "repository:lib/app:pull"
            if got not in issued or got in rejected or scope not in got:
                return (
                    401,
                    {"WWW-Authenticate": f'Bearer realm="{realm}",service="svc",scope="{scope}"'},
                    b"",
                )
            if expire_first and got == issued[0]:
                rejected.add(got)
                return (
                    401,
                    {
                        "WWW-Authenticate": f'Bearer realm="{realm}",service="svc",'
                        f'scope="{scope}",error="invalid_token"'
                    },
                    b"",
                )
            return 200, {"Docker-Content-Digest": BLOB_DIGEST}, body

        return route

    server.routes["/token"] = token
    server.routes["/v2/"] = lambda h: (
        401,
        {"WWW-Authenticate": f'Bearer realm="{realm}",service="svc"'},
        b"",
    )
    server.routes[f"/v2/lib/app/blobs/{BLOB_DIGEST}"] = guarded(BLOB)
    return issued


def test_bearer_token_flow_and_cache(server: Server) -> None:
    issued = _bearer_registry(server)
    client = _client(server, credentials=("u", "p"))
    for _ in range(2):
        sink = Sink()
        fetch_blob(client, "lib/app", Descriptor("x", BLOB_DIGEST, len(BLOB)), sink)
        assert sink.data == BLOB and sink.state == "committed"
    assert issued == ["tok0:repository:lib/app:pull"]  # fetched once, then cached
    token_calls = [p for m, p, h in server.seen if p.startswith("/token")]
    assert "service=svc" in token_calls[0] and "account=u" in token_calls[0]


def test_token_refreshed_on_401(server: Server) -> None:
    issued = _bearer_registry(server, expire_first=True)
    client = _client(server, credentials=("u", "p"))
    sink = Sink()
    fetch_blob(client, "lib/app", Descriptor("x", BLOB_DIGEST, len(BLOB)), sink)
    assert sink.state == "committed" and len(issued) == 2


def test_bad_credentials_at_token_server(server: Server) -> None:
    _bearer_registry(server)
    client = _client(server, credentials=("u", "wrong"))
    with pytest.raises(Unauthorized) as err:
        client.open_blob("lib/app", BLOB_DIGEST)
    assert "unauthorized" in str(err.value) and err.value.exit_code == 125


def test_redirect_to_storage_drops_authorization(server: Server, other: Server) -> None:
    _bearer_registry(server)
    guarded = server.routes[f"/v2/lib/app/blobs/{BLOB_DIGEST}"]

    def redirect(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers, _ = guarded(h)
        if status != 200:
            return status, headers, b""
        return 307, {"Location": f"http://{other.host}/storage/blob?sig=1"}, b""

    server.routes[f"/v2/lib/app/blobs/{BLOB_DIGEST}"] = redirect
    other.routes["/storage/blob"] = lambda h: (200, {}, BLOB)
    sink = Sink()
    fetch_blob(
        _client(server, credentials=("u", "p")),
        "lib/app",
        Descriptor("x", BLOB_DIGEST, len(BLOB)),
        sink,
    )
    assert sink.data == BLOB and sink.state == "committed"
    ((_, path, headers),) = other.seen
    assert path == "/storage/blob?sig=1"
    assert "Authorization" not in headers


def test_redirect_loop_is_an_error(server: Server) -> None:
    server.routes["/v2/"] = lambda h: (200, {}, b"{}")
    server.routes["/v2/a/blobs/x"] = lambda h: (302, {"Location": "/v2/a/blobs/x"}, b"")
    with pytest.raises(RegistryError, match="too many redirects"):
        _client(server).open_blob("a", "x")


def test_manifest_over_4_mib(server: Server) -> None:
    big = b"{" + b" " * MANIFEST_LIMIT + b"}"
    server.routes["/v2/"] = lambda h: (200, {}, b"{}")
    server.routes["/v2/a/manifests/big"] = lambda h: (200, {}, big)
    with pytest.raises(RegistryError, match="too large"):
        _client(server).get_manifest("a", "big")


def test_429_retried_with_retry_after(server: Server) -> None:
    calls: list[int] = []
    server.routes["/v2/"] = lambda h: (200, {}, b"{}")

    def flaky(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        calls.append(1)
        if len(calls) < 3:
            return 429, {"Retry-After": "0"}, b""
        return 200, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, b"{}"

    server.routes["/v2/a/manifests/t"] = flaky
    data, _, digest = _client(server).get_manifest("a", "t")
    assert data == b"{}" and len(calls) == 3
    assert digest == "sha256:" + hashlib.sha256(b"{}").hexdigest()


def test_manifest_digest_is_verified(server: Server) -> None:
    server.routes["/v2/"] = lambda h: (200, {}, b"{}")
    wrong = "sha256:" + "0" * 64
    server.routes[f"/v2/a/manifests/{wrong}"] = lambda h: (200, {}, b"{}")
    from pallet.errors import DigestMismatch

    with pytest.raises(DigestMismatch):
        _client(server).get_manifest("a", wrong)
