"""``client.containers``: docker-py's run/create kwargs reach the container, output and errors
come back as docker-py returns them, and the CLI and the API share one store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runc


def test_run_kwargs_reach_the_container(client: Any, busybox: str, tmp_path: Path) -> None:
    import pallet

    host = tmp_path / "shared"
    host.mkdir()
    (host / "in.txt").write_text("from host\n")
    script = (
        "cat /ro/in.txt; cat /m/in.txt; ulimit -n; grep -c ' /scratch ' /proc/mounts; "
        "touch /x 2>/dev/null || echo read-only; ls /sys/class/net"
    )
    out = client.containers.run(
        busybox,
        ["sh", "-c", script],
        volumes=[f"{host}:/ro:ro"],
        mounts=[pallet.types.Mount("/m", str(host), type="bind", read_only=True)],
        ulimits=[pallet.types.Ulimit(name="nofile", soft=100, hard=200)],
        tmpfs={"/scratch": "size=1m"},
        read_only=True,
        network_mode="none",
        remove=True,
    )
    assert out.decode().split("\n") == [
        "from host", "from host", "100", "1", "read-only", "lo", "",
    ]  # fmt: skip


def test_create_records_docker_shapes(client: Any, busybox: str) -> None:
    ctr = client.containers.create(
        busybox,
        "sleep 5",
        name="shaped",
        mem_limit="64m",
        nano_cpus=500_000_000,
        pids_limit=50,
        cap_add=["SYS_ADMIN"],
        cap_drop=["CHOWN"],
        restart_policy={"Name": "on-failure", "MaximumRetryCount": 2},
        environment=["A=1", "B=2"],
        labels=["flag"],
        entrypoint="/bin/sh -c",
        stop_signal="SIGINT",
    )
    a = ctr.attrs
    assert ctr.status == "created" and ctr.name == "shaped" and a["Name"] == "/shaped"
    assert a["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert a["HostConfig"]["NanoCpus"] == 500_000_000
    assert a["HostConfig"]["PidsLimit"] == 50
    assert (a["HostConfig"]["CapAdd"], a["HostConfig"]["CapDrop"]) == (["SYS_ADMIN"], ["CHOWN"])
    assert a["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert a["HostConfig"]["LogConfig"]["Type"] == "json-file"
    assert a["Config"]["Entrypoint"] == ["/bin/sh", "-c"] and a["Config"]["Cmd"] == ["sleep", "5"]
    assert {"A=1", "B=2"} <= set(a["Config"]["Env"])
    assert ctr.labels == {"flag": ""} and a["Config"]["StopSignal"] == "SIGINT"
    assert a["Image"].startswith("sha256:") and ctr.image.tags == ["busybox:latest"]
    ctr.remove()


def test_unknown_and_unsupported_kwargs_raise_type_error(client: Any, busybox: str) -> None:
    with pytest.raises(TypeError, match=r"run\(\) got an unexpected keyword argument 'bogus'"):
        client.containers.run(busybox, "true", bogus=True)
    with pytest.raises(TypeError, match="unexpected keyword arguments 'a', 'b'"):
        client.containers.create(busybox, "true", a=1, b=2)
    with pytest.raises(TypeError, match="'devices'"):
        client.containers.run(busybox, "true", devices=["/dev/fuse"])
    assert client.containers.list(all=True) == []


def test_auto_remove_attached_run_still_returns_output(client: Any, busybox: str) -> None:
    assert client.containers.run(busybox, "echo bye", auto_remove=True, name="ephemeral") == (
        b"bye\n"
    )
    import pallet

    with pytest.raises(pallet.errors.NotFound):
        client.containers.get("ephemeral")


def test_non_zero_exit_with_remove_removes_and_raises(client: Any, busybox: str) -> None:
    import pallet

    with pytest.raises(pallet.errors.ContainerError) as info:
        client.containers.run(busybox, "sh -c 'echo bad >&2; exit 2'", name="failing", remove=True)
    assert (info.value.exit_status, info.value.stderr) == (2, b"bad\n")
    failed: Any = info.value.container
    assert failed.name == "failing" and info.value.image == busybox
    assert client.containers.list(all=True) == []


def test_follow_logs_stream_until_exit(client: Any, busybox: str) -> None:
    ctr = client.containers.run(
        busybox, "sh -c 'for i in 1 2 3; do echo line$i; sleep 0.2; done'", detach=True
    )
    start = time.monotonic()
    lines = list(ctr.logs(stream=True, follow=True))
    assert lines == [b"line1\n", b"line2\n", b"line3\n"]
    assert time.monotonic() - start >= 0.3
    assert ctr.wait()["StatusCode"] == 0


def test_image_not_found_is_docker_pys(client: Any, busybox: str) -> None:
    import pallet

    with pytest.raises(pallet.errors.ImageNotFound, match="No such image"):
        client.containers.create("localhost/nothing-here:1")


def test_api_container_is_seen_by_the_cli(client: Any, busybox: str, pallet: Any) -> None:
    ctr = client.containers.run(busybox, "sleep 100", detach=True, name="from-api")
    ps = pallet("ps", "--format", "{{.Names}} {{.Status}}", check=True)
    assert ps.stdout.split()[0] == "from-api", ps.stdout
    assert pallet("exec", "from-api", "echo", "hi", check=True).stdout == "hi\n"
    pallet("stop", "-t", "1", "from-api", check=True)
    ctr.reload()
    assert ctr.status == "exited"


def test_cli_container_is_seen_by_the_api(client: Any, busybox: str, pallet: Any) -> None:
    pallet("run", "-d", "--name", "from-cli", "-l", "who=cli", busybox, "sleep", "100", check=True)
    ctr = client.containers.get("from-cli")
    assert ctr.status == "running" and ctr.labels == {"who": "cli"}
    assert client.containers.list(filters={"name": "from-cli"}) == [ctr]
    assert ctr.exec_run("echo via api").output == b"via api\n"
    ctr.remove(force=True)
    assert "from-cli" not in pallet("ps", "-a", check=True).stdout


def test_api_images_are_seen_by_the_cli(client: Any, busybox: str, pallet: Any) -> None:
    client.images.get(busybox).tag("shared-tag", "v1")
    assert "shared-tag" in pallet("images", check=True).stdout
