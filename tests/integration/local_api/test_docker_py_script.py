"""A script written for docker-py runs unchanged with ``import pallet as docker``.

The script below uses the docker-py surface broadly (run in all its forms, exec, archives,
logs, commit, tag, save/load, build, volumes, networks, errors). It runs in a subprocess with
``PALLET_ROOT`` set, as a user's script would, and prints OK at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runc

SCRIPT = r"""
import io
import tarfile
import time

import pallet as docker

client = docker.from_env()
assert client.ping() is True
assert client.version()["ApiVersion"]
assert client.info()["Images"] >= 1

image = client.images.get("busybox")
assert "busybox:latest" in image.tags, image.tags
assert image.id.startswith("sha256:") and image.short_id == image.id[:19]
assert image.attrs["Config"]["Cmd"] == ["sh"]
assert repr(image) == "<Image: 'busybox:latest'>"
assert image in client.images.list()
assert client.images.list(name="busybox") == [image]

# run, attached: output, streams, environment, errors
assert client.containers.run("busybox", "echo hello world", remove=True) == b"hello world\n"
both = client.containers.run(
    "busybox", ["sh", "-c", "echo out; echo err >&2"], stdout=True, stderr=True, remove=True
)
assert sorted(both.splitlines()) == [b"err", b"out"], both
assert client.containers.run("busybox", "sh -c 'echo err >&2'", remove=True) == b""
env = client.containers.run(
    "busybox", "sh -c 'echo $GREETING; pwd; id -u'", environment={"GREETING": "hi"},
    working_dir="/tmp", user="1000", remove=True,
)
assert env == b"hi\n/tmp\n1000\n", env
chunks = client.containers.run("busybox", "echo streamed", stream=True, remove=True)
assert b"".join(chunks) == b"streamed\n"
try:
    client.containers.run("busybox", "sh -c 'echo boom >&2; exit 3'", remove=True)
    raise AssertionError("no ContainerError")
except docker.errors.ContainerError as exc:
    assert exc.exit_status == 3 and exc.stderr == b"boom\n", (exc.exit_status, exc.stderr)
    assert "returned non-zero exit status 3" in str(exc)
try:
    client.containers.run("busybox", "true", no_such_option=1)
    raise AssertionError("no TypeError")
except TypeError as exc:
    assert "run() got an unexpected keyword argument 'no_such_option'" in str(exc)
for call, error in (
    (lambda: client.containers.get("missing"), docker.errors.NotFound),
    (lambda: client.images.get("missing:latest"), docker.errors.ImageNotFound),
    (lambda: client.volumes.get("missing"), docker.errors.NotFound),
    (lambda: client.networks.get("missing"), docker.errors.NotFound),
):
    try:
        call()
        raise AssertionError("no error")
    except error as exc:
        assert isinstance(exc, docker.errors.APIError)
        assert isinstance(exc, docker.errors.DockerException)

# a detached worker with a volume, labels and a hostname
volume = client.volumes.create("data", labels={"k": "v"})
assert volume.name == "data" and volume.attrs["Labels"] == {"k": "v"}
worker = client.containers.run(
    "busybox", "sleep 300", detach=True, name="worker", labels={"role": "worker"},
    volumes={"data": {"bind": "/data", "mode": "rw"}}, hostname="box",
)
assert worker.status == "running" and worker.name == "worker"
assert worker.labels == {"role": "worker"} and worker.image == image
assert client.containers.get("worker") == worker
assert worker in client.containers.list()
assert client.containers.list(filters={"label": "role=worker"}) == [worker]
assert client.containers.list(filters={"label": "role=other"}) == []
assert [c.name for c in client.containers.list(filters={"status": "running"})] == ["worker"]

code, output = worker.exec_run("sh -c 'echo $X > /data/f; cat /data/f; hostname'",
                               environment={"X": "42"})
assert (code, output) == (0, b"42\nbox\n"), (code, output)
code, (out, err) = worker.exec_run(["sh", "-c", "echo o; echo e >&2; exit 5"], demux=True)
assert (code, out, err) == (5, b"o\n", b"e\n")
res = worker.exec_run("sh -c 'for i in 1 2 3; do echo $i; done'", stream=True)
assert res.exit_code is None and b"".join(res.output) == b"1\n2\n3\n"
assert worker.exec_run("pwd", workdir="/data").output == b"/data\n"
assert worker.exec_run("id -u", user="1000").output == b"1000\n"

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    data = b"hi there\n"
    info = tarfile.TarInfo("hello.txt")
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))
assert worker.put_archive("/tmp", buf.getvalue()) is True
bits, stat = worker.get_archive("/tmp/hello.txt")
assert stat["name"] == "hello.txt" and stat["size"] == 9, stat
with tarfile.open(fileobj=io.BytesIO(b"".join(bits))) as tf:
    assert tf.extractfile("hello.txt").read() == b"hi there\n"

top = worker.top()
assert "PID" in top["Titles"] and any("sleep" in " ".join(p) for p in top["Processes"])
worker.pause()
worker.reload()
assert worker.status == "paused"
worker.unpause()
worker.reload()
assert worker.status == "running"
worker.rename("worker2")
worker.reload()
assert worker.name == "worker2"

snapshot = worker.commit("snapshot", "v1", message="with hello")
assert "snapshot:v1" in snapshot.tags
assert client.containers.run(snapshot, "cat /tmp/hello.txt", remove=True) == b"hi there\n"

worker.kill()
assert worker.wait()["StatusCode"] == 137
worker.reload()
assert worker.status == "exited" and worker.attrs["State"]["ExitCode"] == 137
worker.remove()
volume.remove()

# logs of a detached container
talker = client.containers.run(
    "busybox", "sh -c 'echo one; echo two >&2; sleep 0.2; echo three'", detach=True
)
assert talker.wait() == {"Error": None, "StatusCode": 0}
assert talker.logs(stderr=False) == b"one\nthree\n"
assert talker.logs(stdout=False) == b"two\n"
assert talker.logs(tail=1) == b"three\n"
assert b"".join(talker.logs(stream=True)).count(b"\n") == 3
assert talker.logs(since=time.time() + 60) == b""
stamped = talker.logs(timestamps=True).splitlines()
assert all(line[:4].isdigit() and line.split(b" ", 1)[1] for line in stamped)
talker.remove()

# restart, stop, auto-remove
looper = client.containers.run("busybox", "sh -c 'trap \"exit 0\" TERM; sleep 300 & wait'",
                               detach=True)
looper.restart(timeout=5)
looper.reload()
assert looper.status == "running" and looper.attrs["RestartCount"] >= 0
looper.stop(timeout=5)
assert looper.wait()["StatusCode"] == 0
looper.remove()
gone = client.containers.run("busybox", "sleep 1", detach=True, remove=True)
gone.wait(condition="removed", timeout=20)
try:
    gone.reload()
    raise AssertionError("auto-removed container still there")
except docker.errors.NotFound:
    pass

# images: tag, history, save/load, build, remove, prune
assert image.tag("mybox", "v2") is True
assert client.images.get("mybox:v2") == image
image.reload()
assert "mybox:v2" in image.tags
history = image.history()
assert history[0]["Id"] == image.id and "CreatedBy" in history[0]
archive = b"".join(image.save(named="mybox:v2"))
client.images.remove("mybox:v2")
loaded = client.images.load(archive)
assert loaded == [image] and "mybox:v2" in loaded[0].tags
built, log = client.images.build(
    fileobj=io.BytesIO(b"FROM busybox\nRUN echo built > /built\nLABEL purpose=test\n"),
    tag="built:1",
)
assert built.labels == {"purpose": "test"} and "built:1" in built.tags
assert any("aux" in line for line in log)
assert client.containers.run("built:1", "cat /built", remove=True) == b"built\n"
try:
    client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN exit 9\n"))
    raise AssertionError("no BuildError")
except docker.errors.BuildError as exc:
    assert list(exc.build_log)
client.images.remove("built:1")
client.images.remove(snapshot.id)

# networks, volumes, prune, df
assert {n.name for n in client.networks.list()} == {"host", "none"}
assert client.networks.get("host").attrs["Driver"] == "host"
client.volumes.create("spare")
assert client.volumes.prune()["VolumesDeleted"] == ["spare"]
exited = client.containers.create("busybox", "true")
assert exited.status == "created"
assert exited.id in client.containers.prune()["ContainersDeleted"]
assert set(client.df()) >= {"Images", "Containers", "Volumes", "LayersSize"}
client.close()
print("OK")
"""


def test_docker_py_script_runs_unchanged(root: Path, busybox_image: str, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
    env["PALLET_ROOT"] = str(root)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=240
    )
    try:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().endswith("OK")
    finally:
        _remove_all(root)


def _remove_all(root: Path) -> None:
    import pallet

    client: Any = pallet.from_env(root=root)
    for ctr in client.containers.list(all=True):
        ctr.remove(force=True)
