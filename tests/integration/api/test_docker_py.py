"""docker-py (``docker.DockerClient``) against ``pallet system service``."""

from __future__ import annotations

import io
import os
import select
import socket
import tarfile
import time
from typing import Any

import pytest

from tests.conftest import PalletCLI
from tests.integration.api.conftest import Service

docker = pytest.importorskip("docker")
pytestmark = pytest.mark.runc


def test_containers_run_create_get_list(client: Any) -> None:
    assert client.containers.run("busybox", "echo hi", remove=True) == b"hi\n"
    c = client.containers.create("busybox", "sleep 300", name="made", labels={"k": "v"})
    assert client.containers.get("made").status == "created"
    c.start()
    c.reload()
    assert c.status == "running" and c.labels == {"k": "v"}
    assert [x.name for x in client.containers.list(filters={"label": "k=v"})] == ["made"]
    assert client.containers.list(filters={"status": "exited"}) == []
    c.stop(timeout=1)
    assert c.wait()["StatusCode"] == 137
    assert [x.name for x in client.containers.list(all=True, filters={"name": "made"})] == ["made"]
    c.remove()
    with pytest.raises(docker.errors.NotFound, match="No such container: made"):
        client.containers.get("made")


def test_container_error_and_stderr(client: Any) -> None:
    with pytest.raises(docker.errors.ContainerError) as info:
        client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 4"], remove=True)
    assert info.value.exit_status == 4
    out = client.containers.run("busybox", ["sh", "-c", "echo e >&2"], stderr=True, stdout=False)
    assert out == b"e\n"


def test_logs_stream(client: Any) -> None:
    c = client.containers.run(
        "busybox", ["sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.2; done"], detach=True
    )
    assert b"".join(c.logs(stream=True, follow=True)) == b"1\n2\n3\n"
    assert c.logs(tail=1) == b"3\n"
    assert c.logs(timestamps=True).split(b" ", 1)[1].startswith(b"1\n")
    c.remove()


def test_exec_run(client: Any) -> None:
    c = client.containers.run("busybox", "sleep 300", detach=True)
    res = c.exec_run(["sh", "-c", "echo a; echo b >&2; exit 2"])
    assert res.exit_code == 2 and sorted(res.output.split()) == [b"a", b"b"]
    res = c.exec_run(["sh", "-c", "echo a; echo b >&2"], demux=True)
    assert res.output == (b"a\n", b"b\n")
    res = c.exec_run("tty", tty=True)
    assert res.output.startswith(b"/dev/pts/")
    assert c.exec_run("pwd", workdir="/tmp").output == b"/tmp\n"
    assert c.exec_run("sh -c 'echo $X'", environment={"X": "y"}).output == b"y\n"
    c.remove(force=True)


def test_put_and_get_archive(client: Any) -> None:
    c = client.containers.run("busybox", "sleep 300", detach=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"content\n"
        info = tarfile.TarInfo("x.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert c.put_archive("/tmp", buf.getvalue())
    chunks, stat = c.get_archive("/tmp/x.txt")
    assert stat["name"] == "x.txt" and stat["size"] == 8
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = tar.extractfile("x.txt")
        assert member is not None and member.read() == b"content\n"
    with pytest.raises(docker.errors.NotFound):
        c.get_archive("/nope")
    c.remove(force=True)


def test_images_build_tag_get_load_remove(client: Any) -> None:
    dockerfile = b"FROM busybox\nRUN echo built > /b\nCMD cat /b\n"
    image, logs = client.images.build(fileobj=io.BytesIO(dockerfile), tag="pyimg")
    lines = [x.get("stream", "") for x in logs]
    assert any(line.startswith("Successfully built") for line in lines)
    assert image.tags == ["pyimg:latest"]
    assert client.containers.run("pyimg", remove=True) == b"built\n"
    image.tag("pyimg", "v2")
    assert set(client.images.get("pyimg:v2").tags) == {"pyimg:latest", "pyimg:v2"}
    data = b"".join(client.images.get("pyimg:latest").save(named=True))
    client.images.remove("pyimg:v2")
    client.images.remove("pyimg:latest")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("pyimg")
    loaded = client.images.load(data)
    assert loaded[0].tags == ["pyimg:latest"]
    assert any("pyimg:latest" in i.tags for i in client.images.list())
    with pytest.raises(docker.errors.BuildError):
        client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN exit 3\n"))


def test_volumes(client: Any) -> None:
    vol = client.volumes.create("pyvol", labels={"a": "b"})
    assert client.volumes.get("pyvol").attrs["Labels"] == {"a": "b"}
    assert "pyvol" in [v.name for v in client.volumes.list()]
    vol.remove()
    with pytest.raises(docker.errors.NotFound, match="No such volume: pyvol"):
        client.volumes.get("pyvol")


def test_attach_socket_with_tty(client: Any) -> None:
    """A hijacked attach (``Upgrade: tcp``) to a tty container: raw bytes both ways."""
    c = client.containers.create("busybox", "sh", tty=True, stdin_open=True)
    sock = client.api.attach_socket(c.id, params={"stdin": 1, "stdout": 1, "stream": 1})
    raw = sock._sock if hasattr(sock, "_sock") else sock
    c.start()
    raw.sendall(b"echo attached$((1+1))\n")
    out = b""
    deadline = time.monotonic() + 10
    while b"attached2" not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([raw], [], [], 0.2)
        if ready:
            out += raw.recv(4096)
    assert b"attached2" in out
    raw.sendall(b"exit 9\n")
    assert c.wait(timeout=10)["StatusCode"] == 9
    raw.close()
    c.remove()


def test_shared_store(client: Any, pallet: PalletCLI) -> None:
    cid = pallet("run", "-d", "busybox", "sleep", "300", check=True).stdout.strip()
    assert client.containers.get(cid[:12]).status == "running"
    made = client.containers.run("busybox", "sleep 300", detach=True, name="from-py")
    assert "from-py" in pallet("ps", check=True).stdout
    made.remove(force=True)


def test_events_stream_closes(service: Service, client: Any) -> None:
    since = time.time()
    client.containers.run("busybox", "true", remove=True)
    events = list(client.events(since=since, until=time.time() + 1, decode=True))
    actions = [e["Action"] for e in events if e.get("Type") == "container"]
    assert "create" in actions and "start" in actions


def test_raw_socket_keepalive(service: Service) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(service.socket))
    s.sendall(
        b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET /v1.44/version HTTP/1.1\r\nHost: d\r\n\r\n"
    )
    data = b""
    while data.count(b"HTTP/1.1 200") < 2:
        data += s.recv(65536)
    s.close()
    assert os.path.exists(service.socket)
    assert oct(os.stat(service.socket).st_mode & 0o777) == "0o660"
