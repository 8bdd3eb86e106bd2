"""The docker CLI through three Engine API services: pallet's, podman's, and Debian's dockerd.

Times `docker run --rm --network none IMG true` and `docker ps -a` (with N containers) against
each socket, alternating engine by engine in every round, and prints medians and the ratios
pallet/podman and pallet/dockerd. Every store lives under one /tmp directory (same disk).
Usage: .venv/bin/python bench/api_bench.py [--rounds N] [--ps N] [--no-docker] [--no-podman]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPES = HERE.parent.parent / "shared" / "recipes"
PALLET = [sys.executable, "-m", "pallet"]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return took


def wait_socket(path: Path, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(path))
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return
        except OSError:
            pass
        finally:
            s.close()
        time.sleep(0.1)
    raise SystemExit(f"{what} did not answer on {path}")


def docker_env(sock: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "PALLET_"))}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=str(work / "docker-config"))
    return env


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--ps", type=int, default=50, help="containers for the ps -a comparison")
    ap.add_argument("--no-docker", action="store_true")
    ap.add_argument("--no-podman", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="apib-", dir="/tmp"))
    sys.path.insert(0, str(HERE.parent / "src"))
    from pallet.testing.images import busybox_tarball

    tar = busybox_tarball(work / "busybox.tar")
    procs: list[subprocess.Popen[bytes]] = []
    envs: dict[str, dict[str, str]] = {}
    stops: list[Callable[[], object]] = []
    try:
        # pallet
        proot = work / "pallet"
        subprocess.run(
            [*PALLET, "--root", str(proot), "import", str(tar), "bb"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        psock = work / "pallet.sock"
        p = subprocess.Popen(
            [*PALLET, "--root", str(proot), "system", "service", f"unix://{psock}"],
            stderr=subprocess.DEVNULL,
        )
        procs.append(p)
        wait_socket(psock, p, "pallet system service")
        envs["pallet"] = docker_env(psock, work)
        # podman
        if not args.no_podman and shutil.which("podman"):
            penv = dict(os.environ)
            penv["CONTAINERS_CONF"] = str(RECIPES / "podman-conf-here.conf")
            regconf = work / "registries.conf"
            regconf.write_text("unqualified-search-registries = []\n")
            penv["CONTAINERS_REGISTRIES_CONF"] = str(regconf)
            podman = ["podman", "--root", str(work / "pr"), "--runroot", str(work / "pn")]
            subprocess.run([*podman, "import", str(tar), "bb"], env=penv, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            qsock = work / "podman.sock"
            q = subprocess.Popen(
                [*podman, "system", "service", "--time", "0", f"unix://{qsock}"],
                env=penv,
                stderr=subprocess.DEVNULL,
            )
            procs.append(q)
            wait_socket(qsock, q, "podman system service")
            envs["podman"] = docker_env(qsock, work)
            stops.append(lambda: subprocess.run([*podman, "rm", "-af"], env=penv,
                                                capture_output=True))  # fmt: skip
        # dockerd
        if not args.no_docker and shutil.which("dockerd"):
            ddir = work / "dockerd"
            subprocess.run(["bash", str(RECIPES / "dockerd-private.sh"), "start", str(ddir)],
                           check=True)  # fmt: skip
            stops.append(
                lambda: subprocess.run(
                    ["bash", str(RECIPES / "dockerd-private.sh"), "stop", str(ddir)],
                    capture_output=True,
                )
            )
            wait_socket(ddir / "docker.sock", None, "dockerd")
            envs["dockerd"] = docker_env(ddir / "docker.sock", work)
            subprocess.run(["docker", "import", str(tar), "bb"], env=envs["dockerd"], check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        run = ["docker", "run", "--rm", "--network", "none", "bb", "true"]
        for env in envs.values():  # warm up each engine once
            timed(run, env)
        samples: dict[str, list[float]] = {k: [] for k in envs}
        for _ in range(args.rounds):
            for name, env in envs.items():
                samples[name].append(timed(run, env))
        report("docker run --rm IMG true", samples)
        for env in envs.values():
            for i in range(args.ps):
                subprocess.run(
                    ["docker", "create", "--network", "none", "--name", f"c{i}", "bb", "true"],
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
        ps = ["docker", "ps", "-a"]
        samples = {k: [] for k in envs}
        for _ in range(args.rounds):
            for name, env in envs.items():
                samples[name].append(timed(ps, env))
        report(f"docker ps -a ({args.ps} containers)", samples)
    finally:
        for stop in stops:
            stop()
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["umount", "-R", "-l", str(work)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(title: str, samples: dict[str, list[float]]) -> None:
    med = {k: statistics.median(v) for k, v in samples.items()}
    parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in med.items())
    print(f"{title}: {parts}")
    for peer in ("podman", "dockerd"):
        if peer in med:
            print(f"  pallet/{peer}: {med['pallet'] / med[peer]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
