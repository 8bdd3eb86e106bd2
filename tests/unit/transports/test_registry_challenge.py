"""WWW-Authenticate parsing, error mapping, and URL helpers of the registry client."""

from __future__ import annotations

import json

from pallet.errors import RegistryError, Unauthorized
from pallet.transports.registry.challenge import parse_challenges
from pallet.transports.registry.errcode import error_from_response
from pallet.transports.registry.http import add_query, next_link, resolve_location


def test_bearer_challenge() -> None:
    (ch,) = parse_challenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/busybox:pull"'
    )
    assert ch.scheme == "bearer"
    assert ch.realm == "https://auth.docker.io/token"
    assert ch.service == "registry.docker.io"
    assert ch.scopes == ("repository:library/busybox:pull",)


def test_several_scopes_and_error() -> None:
    (ch,) = parse_challenges(
        'Bearer realm="https://r/t", scope="repository:a:pull repository:b:pull,push", '
        'error="insufficient_scope"'
    )
    assert ch.scopes == ("repository:a:pull", "repository:b:pull,push")
    assert ch.error == "insufficient_scope"


def test_several_challenges_and_unquoted_values() -> None:
    chs = parse_challenges('Basic realm="Registry Realm", Bearer realm=https://x/token,service=x')
    assert [c.scheme for c in chs] == ["basic", "bearer"]
    assert chs[0].realm == "Registry Realm"
    assert chs[1].realm == "https://x/token" and chs[1].service == "x"


def test_escaped_quotes() -> None:
    (ch,) = parse_challenges(r'Basic realm="a \"quoted\" realm"')
    assert ch.realm == 'a "quoted" realm'


def _body(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]}).encode()


def test_error_wording() -> None:
    err = error_from_response(404, _body("MANIFEST_UNKNOWN", "manifest unknown"), "reading x")
    assert str(err) == "reading x: manifest unknown"
    assert err.code == "MANIFEST_UNKNOWN" and err.status == 404 and not err.temporary
    denied = error_from_response(403, _body("DENIED", "requested access to the resource is denied"))
    assert str(denied) == "denied: requested access to the resource is denied"
    unauth = error_from_response(401, _body("UNAUTHORIZED", "authentication required"))
    assert isinstance(unauth, Unauthorized)
    assert str(unauth) == "unauthorized: authentication required"
    name = error_from_response(404, _body("NAME_UNKNOWN", "repository name not known to registry"))
    assert str(name) == "name unknown: repository name not known to registry"
    assert error_from_response(404, b"").exit_code == 125


def test_error_fallbacks_without_json() -> None:
    assert str(error_from_response(401, b"")) == "unauthorized: authentication required"
    assert str(error_from_response(403, b"<html>")) == (
        "denied: requested access to the resource is denied"
    )
    err = error_from_response(503, b"oops")
    assert isinstance(err, RegistryError) and err.temporary
    assert str(err) == "received unexpected HTTP status: 503 Service Unavailable"
    assert error_from_response(429, b"").temporary
    assert error_from_response(408, b"").temporary


def test_location_resolution() -> None:
    base = "https://reg:5000/v2/a/blobs/uploads/"
    assert resolve_location(base, "/v2/a/blobs/uploads/u1?_state=x") == (
        "https://reg:5000/v2/a/blobs/uploads/u1?_state=x"
    )
    assert resolve_location(base, "u2") == "https://reg:5000/v2/a/blobs/uploads/u2"
    assert resolve_location(base, "https://other/up?x=1") == "https://other/up?x=1"


def test_add_query_respects_existing_query() -> None:
    assert add_query("https://r/up?_state=abc", digest="sha256:1") == (
        "https://r/up?_state=abc&digest=sha256%3A1"
    )
    assert add_query("https://r/up", digest="sha256:1") == "https://r/up?digest=sha256%3A1"


def test_next_link() -> None:
    base = "https://r/v2/a/tags/list?n=1"
    assert next_link('</v2/a/tags/list?last=b&n=1>; rel="next"', base) == (
        "https://r/v2/a/tags/list?last=b&n=1"
    )
    assert next_link('</x>; rel="prev"', base) is None
