"""Bad input and registry faults: one docker-worded line, exit 125, the store unchanged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from regcli import Runner

from pallet.testing.faultproxy import FaultProxy
from pallet.testing.registry import LocalRegistry

pytestmark = pytest.mark.registry
NOVERIFY = "--tls-verify=false"
_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture
def proxy(plain_registry: LocalRegistry) -> Iterator[FaultProxy]:
    with FaultProxy(plain_registry.host) as p:
        yield p


def _fails(cli: Runner, *args: str, expect: str) -> str:
    before = cli.state()
    out = cli(*args)
    assert out.returncode == 125, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    assert expect in lines[0], lines[0]
    assert cli.state() == before
    assert "no problems found" in before[1]
    return lines[0]


def _via(proxy: FaultProxy, name: str) -> str:
    return proxy.host + "/" + name.split("/", 1)[1]


def test_unknown_repository(cli: Runner, plain_registry: LocalRegistry) -> None:
    _fails(cli, "pull", NOVERIFY, f"{plain_registry.host}/no/such:1", expect="manifest unknown")


def test_missing_tag(cli: Runner, pushed: str) -> None:
    repo = pushed.rsplit(":", 1)[0]
    line = _fails(cli, "pull", NOVERIFY, f"{repo}:nope", expect="manifest unknown")
    assert line.startswith(f"Error: initializing source docker://{repo}:nope: ")


def test_wrong_password_on_pull(cli: Runner, tls_registry: LocalRegistry) -> None:
    _fails(
        cli, "pull", "--creds", "tester:wrong", f"{tls_registry.host}/x/y:1", expect="unauthorized"
    )


def test_registry_answering_500(
    cli: Runner, other_cli: Runner, pushed: str, proxy: FaultProxy
) -> None:
    proxy.fail(500, 1000)
    _fails(other_cli, "pull", NOVERIFY, _via(proxy, pushed), expect="500")


def test_corrupted_blob(other_cli: Runner, pushed: str, proxy: FaultProxy) -> None:
    proxy.corrupt_blobs(100)
    _fails(other_cli, "pull", NOVERIFY, _via(proxy, pushed), expect="digest mismatch")


def test_cut_mid_blob_then_resumed_pull(other_cli: Runner, pushed: str, proxy: FaultProxy) -> None:
    proxy.cut_blobs(100)
    _fails(other_cli, "pull", NOVERIFY, _via(proxy, pushed), expect="connection lost")
    proxy.cut_blobs(2)  # fewer cuts than retries: the pull resumes with Range and completes
    proxy.requests.clear()
    out = other_cli("pull", "-q", NOVERIFY, _via(proxy, pushed))
    assert out.returncode == 0, out.stderr
    ranges = [h.get("Range", "") for m, p, h in proxy.requests if "/blobs/sha256:" in p]
    assert any(r.startswith("bytes=") for r in ranges)
    assert "no problems found" in other_cli("system", "check", check=True).stdout
    proxy.requests.clear()  # everything verified is kept: a second pull fetches no layer
    other_cli("pull", "-q", NOVERIFY, _via(proxy, pushed), check=True)
    fetched = [p for m, p, h in proxy.requests if m == "GET" and "/blobs/" in p]
    assert len(fetched) <= 1  # the image config, read to learn the layers' diffIDs


class _Evil(BaseHTTPRequestHandler):
    """A registry that serves a 5 MiB manifest and a redirect loop."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/v2/":
            self._send(200, b"{}")
        elif "/manifests/big" in self.path:
            self._send(
                200, b"{" + b" " * (5 << 20) + b"}", "application/vnd.oci.image.manifest.v1+json"
            )
        elif "/manifests/loop" in self.path:
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(
                404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
            )

    do_HEAD = do_GET

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture
def evil() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_manifest_over_4_mib(cli: Runner, evil: str) -> None:
    _fails(cli, "pull", NOVERIFY, f"{evil}/x/y:big", expect="too large")


def test_redirect_loop(cli: Runner, evil: str) -> None:
    _fails(cli, "pull", NOVERIFY, f"{evil}/x/y:loop", expect="too many redirects")


def test_bad_reference_and_push_of_unknown_image(cli: Runner) -> None:
    _fails(cli, "pull", "Not/A:Valid:Ref", expect="invalid reference format")
    _fails(cli, "push", NOVERIFY, "nosuchimage", "127.0.0.1:1/x:1", expect="No such image")
