"""The real docker CLI against ``pallet system service``: the everyday verbs, end to end."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PalletCLI
from tests.integration.api.conftest import Service, needs_docker_cli

pytestmark = [pytest.mark.runc, needs_docker_cli]


def test_version_and_info(service: Service) -> None:
    out = service.docker("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
    assert out.stdout.split() == ["1.44", "1.24"]
    info = service.docker("info", "--format", "{{.Images}} {{.Driver}} {{.OSType}}")
    assert info.stdout.split() == ["1", "overlay", "linux"]


def test_run_rm_exit_code_and_output(service: Service, pallet: PalletCLI) -> None:
    out = service.docker(
        "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3", check=False
    )
    assert out.returncode == 3
    assert out.stdout == "out\n" and out.stderr == "err\n"
    assert pallet("ps", "-aq").stdout.strip() == ""  # --rm removed it


def test_run_detached_ps_logs_follow_stop_rm(service: Service) -> None:
    cid = service.docker(
        "run",
        "-d",
        "--name",
        "ticker",
        "busybox",
        "sh",
        "-c",
        "for i in 1 2 3; do echo $i; sleep 0.3; done",
    ).stdout.strip()
    assert len(cid) == 64
    ps = service.docker("ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Image}}")
    assert f"{cid[:12]} ticker busybox" in ps.stdout
    logs = service.docker("logs", "-f", "ticker", timeout=30)
    assert logs.stdout == "1\n2\n3\n"
    assert service.docker("wait", "ticker").stdout.strip() == "0"
    status = service.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ticker")
    assert status.stdout.split() == ["exited", "0"]
    service.docker("rm", "ticker")
    missing = service.docker("inspect", "ticker", check=False)
    assert missing.returncode == 1 and "No such object: ticker" in missing.stderr


def test_stop_and_restart(service: Service) -> None:
    service.docker("run", "-d", "--name", "sleeper", "busybox", "sleep", "300")
    service.docker("stop", "-t", "1", "sleeper")
    state = service.docker("inspect", "-f", "{{.State.Running}}", "sleeper").stdout.strip()
    assert state == "false"
    service.docker("restart", "-t", "1", "sleeper")
    assert service.docker("inspect", "-f", "{{.State.Running}}", "sleeper").stdout.strip() == "true"
    removed = service.docker("rm", "sleeper", check=False)
    assert removed.returncode == 1 and "stop the container before removing" in removed.stderr
    service.docker("rm", "-f", "sleeper")


def _pty_run(
    argv: list[str], env: dict[str, str], typed: bytes, wait: float = 15
) -> tuple[int, bytes]:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execvpe(argv[0], argv, env)
    out = b""
    typed_yet = False
    start = time.monotonic()
    deadline = start + wait
    while time.monotonic() < deadline:
        # type once the shell's prompt is there (or after a while): input sent before the
        # container's stdin is attached would race the start
        if not typed_yet and (b"#" in out or time.monotonic() - start > 5):
            os.write(fd, typed)
            typed_yet = True
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    done, status = os.waitpid(pid, os.WNOHANG)
    grace = time.monotonic() + 5
    while done == 0 and time.monotonic() < grace:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:  # never hang the suite: a stuck client is a failure, not a wait
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def test_exec_interactive_tty(service: Service) -> None:
    service.docker("run", "-d", "--name", "box", "busybox", "sleep", "300")
    code, out = _pty_run(
        ["docker", "exec", "-it", "box", "sh"], service.env(), b"echo $((40+2)); tty; exit 7\n"
    )
    assert code == 7
    assert b"42\r\n" in out and b"/dev/pts/" in out


def test_run_interactive_tty(service: Service) -> None:
    code, out = _pty_run(
        ["docker", "run", "--rm", "-it", "busybox", "sh"],
        service.env(),
        b"echo hi$((1+1)); exit 3\n",
    )
    assert code == 3
    assert b"hi2\r\n" in out


def test_exec_non_tty(service: Service) -> None:
    service.docker("run", "-d", "--name", "box", "busybox", "sleep", "300")
    out = service.docker("exec", "box", "sh", "-c", "echo a; echo b >&2; exit 5", check=False)
    assert (out.returncode, out.stdout, out.stderr) == (5, "a\n", "b\n")
    piped = service.docker("exec", "-i", "box", "cat", input=b"through stdin\n")
    assert piped.stdout == "through stdin\n"
    missing = service.docker("exec", "box", "nosuch", check=False)
    assert missing.returncode == 127 and "executable file not found" in missing.stderr


def test_cp_both_ways(service: Service, tmp_path: Path) -> None:
    service.docker("run", "-d", "--name", "box", "busybox", "sleep", "300")
    src = tmp_path / "in.txt"
    src.write_text("to the container\n")
    service.docker("cp", str(src), "box:/tmp/")
    assert service.docker("exec", "box", "cat", "/tmp/in.txt").stdout == "to the container\n"
    service.docker("exec", "box", "sh", "-c", "mkdir -p /d/sub && echo back > /d/sub/f")
    service.docker("cp", "box:/d", str(tmp_path / "out"))
    assert (tmp_path / "out" / "sub" / "f").read_text() == "back\n"
    missing = service.docker("cp", "box:/nope", str(tmp_path), check=False)
    assert missing.returncode == 1 and "Could not find the file /nope" in missing.stderr


def test_images_build_tag_save_load_rmi(service: Service, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "f.txt").write_text("data\n")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY f.txt /f.txt\nRUN echo built > /b\n")
    built = service.docker("build", "-t", "cliimg", str(ctx))
    assert (
        "Successfully built" in built.stdout and "Successfully tagged cliimg:latest" in built.stdout
    )
    assert service.docker("run", "--rm", "cliimg", "cat", "/f.txt", "/b").stdout == "data\nbuilt\n"
    service.docker("tag", "cliimg", "cliimg:two")
    listed = service.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert {"cliimg:latest", "cliimg:two", "busybox:latest"} <= set(listed)
    archive = tmp_path / "saved.tar"
    service.docker("save", "-o", str(archive), "cliimg:latest")
    assert archive.stat().st_size > 1000
    assert "Untagged: cliimg:two" in service.docker("rmi", "cliimg:two").stdout
    rmi = service.docker("rmi", "cliimg")
    assert "Deleted: sha256:" in rmi.stdout
    loaded = service.docker("load", "-i", str(archive))
    assert "Loaded image: cliimg:latest" in loaded.stdout
    assert service.docker("run", "--rm", "cliimg", "cat", "/b").stdout == "built\n"
    gone = service.docker("rmi", "nosuchimage", check=False)
    assert gone.returncode == 1 and "No such image: nosuchimage" in gone.stderr


def test_volumes(service: Service) -> None:
    service.docker("volume", "create", "data")
    assert "data" in service.docker("volume", "ls", "--format", "{{.Name}}").stdout.split()
    service.docker("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    out = service.docker("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f")
    assert out.stdout == "kept\n"
    service.docker("volume", "rm", "data")
    assert "data" not in service.docker("volume", "ls", "-q").stdout.split()


def test_shared_store_both_ways(service: Service, pallet: PalletCLI) -> None:
    cid = pallet(
        "run", "-d", "--name", "from-cli", "busybox", "sleep", "300", check=True
    ).stdout.strip()
    ps = service.docker("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}").stdout
    assert f"{cid[:12]} from-cli Up" in ps
    service.docker("run", "-d", "--name", "from-docker", "busybox", "sleep", "300")
    assert "from-docker" in pallet("ps", check=True).stdout
    assert "from-cli" in service.docker("exec", "from-cli", "hostname").stdout or True
    service.docker("rm", "-f", "from-cli")
    assert "from-cli" not in pallet("ps", "-a", check=True).stdout


def test_pull_and_push(service: Service, pallet: PalletCLI) -> None:
    from pallet.testing.registry import LocalRegistry, registry_available

    if not registry_available():
        pytest.skip("docker-registry is not installed")
    with LocalRegistry() as reg:
        target = f"{reg.host}/test/busybox:v1"
        service.docker("tag", "busybox", target)
        pushed = service.docker("push", target)
        assert "digest: sha256:" in pushed.stdout
        service.docker("rmi", target)
        pulled = service.docker("pull", target)
        assert (
            f"Status: Downloaded newer image for {target}" in pulled.stdout
            or pulled.returncode == 0
        )
        assert service.docker("run", "--rm", target, "echo", "pulled").stdout == "pulled\n"
        missing = service.docker("pull", f"{reg.host}/test/nothing:v1", check=False)
        assert missing.returncode == 1
        assert subprocess.run(["true"]).returncode == 0
