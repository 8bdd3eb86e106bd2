"""Fixtures: ``pallet system service`` on a socket in the test's root, and clients for it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PalletCLI

needs_docker_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="needs docker CLI")


@dataclass
class Service:
    """A running service: its socket and a runner for the docker CLI against it."""

    socket: Path
    root: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "PALLET_"))}
        env.update(
            DOCKER_HOST=self.url,
            DOCKER_BUILDKIT="0",
            DOCKER_CLI_HINTS="false",
            DOCKER_CONFIG=str(self.root.parent / "docker-config"),
        )
        return env

    def docker(
        self, *args: str, input: bytes | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["docker", *args], input=input, capture_output=True, env=self.env(), timeout=timeout
        )
        out = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"),
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} failed ({proc.returncode}): {out.stderr}"
            )
        return out


def _ping(path: Path) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(str(path))
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        return s.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


@pytest.fixture
def service(root: Path, busybox_image: str) -> Iterator[Service]:
    """``pallet --root ROOT system service unix://ROOT/../docker.sock`` with busybox imported."""
    sock = root.parent / "docker.sock"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
    log = open(root.parent / "service.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pallet",
            "--root",
            str(root),
            "system",
            "service",
            f"unix://{sock}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 20
    while not _ping(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise AssertionError((root.parent / "service.log").read_text())
        time.sleep(0.05)
    svc = Service(sock, root, proc)
    try:
        yield svc
    finally:
        for line in PalletCLI(root)("ps", "-aq").stdout.split():
            PalletCLI(root)("rm", "-f", line)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def client(service: Service) -> Iterator[object]:
    """A docker-py client on the service's socket."""
    docker = pytest.importorskip("docker")
    c = docker.DockerClient(base_url=service.url, timeout=120)
    try:
        yield c
    finally:
        c.close()
