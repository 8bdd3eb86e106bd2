"""Terminals, attach, stats, export and directory builds through the in-process client."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runc


def test_tty_run_and_exec(client: Any, busybox: str) -> None:
    assert client.containers.run(busybox, "echo hi", tty=True, remove=True) == b"hi\r\n"
    ctr = client.containers.run(busybox, "sleep 30", detach=True)
    assert ctr.exec_run("tty", tty=True) == (0, b"/dev/pts/0\r\n")
    code, (out, err) = ctr.exec_run("sh -c 'echo o; echo e >&2'", tty=True, demux=True)
    assert (code, err) == (0, None) and sorted(out.split()) == [b"e", b"o"]


def test_attach_streams_new_output(client: Any, busybox: str) -> None:
    ctr = client.containers.run(
        busybox, "sh -c 'sleep 0.5; echo late; sleep 30'", detach=True, name="talker"
    )
    assert next(ctr.attach(stream=True)) == b"late\n"


def test_stats_and_export(client: Any, busybox: str) -> None:
    ctr = client.containers.run(busybox, "sleep 30", detach=True)
    sample = ctr.stats(stream=False)
    assert sample["id"] == ctr.id and sample["memory_stats"]["usage"] > 0
    with tarfile.open(fileobj=io.BytesIO(b"".join(ctr.export()))) as tf:
        assert "bin/busybox" in tf.getnames()


def test_build_from_a_directory_with_build_args(client: Any, busybox: str, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nARG WHO=x\nCOPY f /f\nRUN echo $WHO > /who\n")
    (ctx / "f").write_text("file\n")
    image, log = client.images.build(path=str(ctx), tag="ctx:1", buildargs={"WHO": "me"})
    log = list(log)
    assert log[-1]["stream"].startswith("Successfully built ")
    assert {"aux": {"ID": image.id}} in log
    assert client.containers.run("ctx:1", "cat /f /who", remove=True) == b"file\nme\n"
    with pytest.raises(TypeError, match="Either path or fileobj"):
        client.images.build(tag="nothing")
