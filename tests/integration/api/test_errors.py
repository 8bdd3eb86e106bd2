"""Bad requests get Docker's status codes and wording; docker-py raises what it raises
against dockerd."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from tests.integration.api.conftest import Service

pytestmark = pytest.mark.runc


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def request(
    service: Service, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], Any]:
    conn = _UnixConnection(str(service.socket))
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    try:
        parsed: Any = json.loads(data) if data else None
    except ValueError:
        parsed = data
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed


def test_ping_headers(service: Service) -> None:
    status, headers, body = request(service, "GET", "/_ping")
    assert status == 200 and body == b"OK"
    assert headers["api-version"] == "1.44"
    status, headers, body = request(service, "HEAD", "/_ping")
    assert status == 200 and not body


@pytest.mark.parametrize(
    "method,path,status,message",
    [
        ("GET", "/nope", 404, "page not found"),
        ("GET", "/v1.44/containers/x/nope", 404, "page not found"),
        ("GET", "/v1.44/containers/nosuch/json", 404, "No such container: nosuch"),
        ("GET", "/v1.44/images/nosuch/json", 404, "No such image: nosuch"),
        ("GET", "/v1.44/volumes/nosuch", 404, "No such volume: nosuch"),
        ("GET", "/v1.44/networks/nosuch", 404, "network nosuch not found"),
        ("GET", "/v9.99/version", 400, "client version 9.99 is too new"),
        ("GET", "/v1.12/version", 400, "client version 1.12 is too old"),
        ("GET", "/v1.44/containers/json?filters=%7Bbad", 400, "invalid filters"),
        ("GET", "/v1.44/containers/json?limit=x", 400, "invalid value for limit"),
    ],
)
def test_status_and_wording(
    service: Service, method: str, path: str, status: int, message: str
) -> None:
    got, _, body = request(service, method, path)
    assert got == status
    assert message in body["message"]


def test_malformed_json_and_bad_create(service: Service) -> None:
    status, _, body = request(service, "POST", "/v1.44/containers/create", b"{not json")
    assert status == 400 and "invalid JSON" in body["message"]
    status, _, body = request(service, "POST", "/v1.44/containers/create", b'{"Image": 5}')
    assert status == 400
    status, _, body = request(
        service,
        "POST",
        "/v1.44/containers/create",
        b'{"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "sometimes"}}}',
    )
    assert status == 400 and "invalid restart policy" in body["message"]
    status, _, body = request(
        service, "POST", "/v1.44/containers/create", b'{"Image": "nosuchimage"}'
    )
    assert status == 404 and body["message"] == "No such image: nosuchimage"


def test_conflicts(service: Service) -> None:
    body = b'{"Image": "busybox", "Cmd": ["sleep", "300"]}'
    status, _, made = request(service, "POST", "/v1.44/containers/create?name=dup", body)
    assert status == 201
    status, _, err = request(service, "POST", "/v1.44/containers/create?name=dup", body)
    assert status == 409 and 'name "dup" is already in use' in err["message"]
    status, _, _ = request(service, "POST", f"/v1.44/containers/{made['Id']}/start")
    assert status == 204
    status, _, _ = request(service, "POST", f"/v1.44/containers/{made['Id']}/start")
    assert status == 304
    status, _, err = request(service, "DELETE", "/v1.44/containers/dup")
    assert status == 409
    status, _, err = request(service, "GET", "/v1.44/containers/dup/logs")
    assert status == 400 and "you must choose at least one stream" in err["message"]
    status, _, _ = request(service, "DELETE", "/v1.44/containers/dup?force=1")
    assert status == 204


def test_docker_py_exceptions(client: Any) -> None:
    docker = pytest.importorskip("docker")
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("nosuch")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("nosuch")
    with pytest.raises(docker.errors.ImageNotFound):
        client.containers.create("nosuch:latest")
    with pytest.raises(docker.errors.APIError) as info:
        client.api.create_container("busybox", host_config={"NetworkMode": "nosuchnet"})
    assert info.value.status_code == 404
    c = client.containers.create("busybox", "true")
    with pytest.raises(docker.errors.APIError) as info:
        c.kill()
    assert info.value.status_code == 409
    c.remove()
