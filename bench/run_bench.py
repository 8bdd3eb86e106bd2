"""`pallet run --rm IMG true` beside podman, dockerd and bare runc, alternating in one run.

Prints medians and ratios. Also `ps -a` with many containers, pallet vs podman.
pallet runs the same command line each round, as the peers do, so its runs after the first
are replays (see src/pallet/cli/quickrun.py); a command line never run before (the full
path) is timed beside them for reference.
Usage: .venv/bin/python bench/run_bench.py [--rounds N] [--ps N] [--no-docker]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPES = HERE.parent.parent / "shared" / "recipes"
# the console script, as a user types it (``python -m`` adds runpy's ~2 ms)
_SCRIPT = Path(sys.executable).with_name("pallet")
PALLET = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pallet"]


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return took


def busybox_tar(work: Path) -> Path:
    sys.path.insert(0, str(HERE.parent / "src"))
    from pallet.testing.images import busybox_tarball

    return busybox_tarball(work / "busybox.tar")


def pallet_spec_bundle(pallet: list[str], proot: Path, tar: Path, bundle: Path) -> Path:
    """A runc bundle with the runtime spec pallet writes for ``run bb true`` (its seccomp
    profile, mounts, capabilities), over a plain copy of the rootfs."""
    cid = subprocess.run(
        [*pallet, "run", "-d", "bb", "sleep", "60"], check=True, capture_output=True, text=True
    ).stdout.strip()
    spec = json.loads((proot / "containers" / cid / "config.json").read_text())
    (bundle / "rootfs").mkdir(parents=True)
    subprocess.run(["tar", "-C", str(bundle / "rootfs"), "-xf", str(tar)], check=True)
    spec["root"] = {"path": "rootfs"}
    spec["process"]["args"] = ["true"]
    spec["linux"].pop("cgroupsPath", None)
    for m in spec["mounts"]:
        if m["destination"] in ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf"):
            copy = bundle / Path(m["destination"]).name
            copy.write_text(Path(m["source"]).read_text())
            m["source"] = str(copy)
    subprocess.run([*pallet, "rm", "-f", cid], check=True, stdout=subprocess.DEVNULL)
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--ps", type=int, default=500, help="containers for the ps -a comparison")
    ap.add_argument("--no-docker", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(RECIPES / "podman-conf-here.conf")
    tar = busybox_tar(work)
    proot = work / "pallet"
    pallet = [*PALLET, "--root", str(proot)]
    podman = [
        "podman", "--root", str(work / "pr"), "--runroot", str(work / "pn"),
        "--tmpdir", str(work / "pt"),
    ]  # fmt: skip
    subprocess.run(
        [*pallet, "import", "--change", 'CMD ["sh"]', str(tar), "bb"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*podman, "import", str(tar), "bb"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bundle = work / "bundle"
    (bundle / "rootfs").mkdir(parents=True)
    subprocess.run(["tar", "-C", str(bundle / "rootfs"), "-xf", str(tar)], check=True)
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    spec = json.loads((bundle / "config.json").read_text())
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["true"]
    (bundle / "config.json").write_text(json.dumps(spec))
    own = pallet_spec_bundle(pallet, proot, tar, work / "own-bundle")
    rounds = itertools.count()
    runs: dict[str, Callable[[], float]] = {
        # the same command line each time, as the peers run it: replayed (see cli/quickrun.py)
        "pallet run --rm": lambda: timed([*pallet, "run", "--rm", "bb", "true"]),
        # not a target: a command line never run before, so the full path (and its save)
        "pallet run --rm (new command line)": lambda: timed(
            [*pallet, "run", "--rm", "-e", f"ROUND={next(rounds)}", "bb", "true"]
        ),
        "podman run --rm --network none": lambda: timed(
            [
                *podman,
                "run",
                "--rm",
                "--network",
                "none",
                "--runtime",
                "runc",
                "--ulimit",
                "nofile=1024:1024",
                "--ulimit",
                "nproc=1024:1024",
                "bb",
                "true",
            ],
            env=env,
        ),
        "runc run (prepared bundle)": lambda: timed(
            ["runc", "--root", str(work / "runc"), "run", f"b{time.monotonic_ns()}"],
            cwd=str(bundle),
        ),
        # not a target: the floor under pallet's own spec (seccomp profile and all)
        "runc run (pallet's spec)": lambda: timed(
            ["runc", "--root", str(work / "runc"), "run", f"o{time.monotonic_ns()}"],
            cwd=str(own),
        ),
    }
    docker_dir = work / "docker"
    docker_env = dict(os.environ, DOCKER_HOST=f"unix://{docker_dir}/docker.sock")
    if not args.no_docker and shutil.which("dockerd"):
        subprocess.run(
            ["bash", str(RECIPES / "dockerd-private.sh"), "start", str(docker_dir)], check=True
        )
        subprocess.run(
            ["docker", "import", str(tar), "bb"],
            env=docker_env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        runs["docker run --rm (dockerd)"] = lambda: timed(
            ["docker", "run", "--rm", "bb", "true"], env=docker_env
        )
    try:
        for fn in runs.values():  # warm up each once
            fn()
        samples: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(args.rounds):
            for name, fn in runs.items():
                samples[name].append(fn())
        med = {k: statistics.median(v) for k, v in samples.items()}
        print(f"run --rm IMG true, median of {args.rounds} (alternating):")
        for k, v in med.items():
            print(f"  {k:34s} {v * 1000:7.1f} ms")
        mine = med["pallet run --rm"]
        for k, v in med.items():
            if not k.startswith("pallet"):
                print(f"  ratio pallet / {k:25s} {mine / v:5.2f}")
        full = med["pallet run --rm (new command line)"]
        print(f"  (a new command line: {full * 1000:.1f} ms, {full / mine:.2f}x the replayed run)")
        if args.ps:
            for i in range(args.ps):
                subprocess.run(
                    [*pallet, "create", "--name", f"c{i}", "bb", "true"],
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
                subprocess.run(
                    [*podman, "create", "--name", f"c{i}", "bb", "true"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=True,
                )
            ps_samples: dict[str, list[float]] = {"pallet": [], "podman": []}
            for _ in range(max(5, args.rounds // 2)):
                ps_samples["pallet"].append(timed([*pallet, "ps", "-a"]))
                ps_samples["podman"].append(timed([*podman, "ps", "-a"], env=env))
            pm = statistics.median(ps_samples["pallet"])
            qm = statistics.median(ps_samples["podman"])
            print(
                f"ps -a with {args.ps} containers: pallet {pm * 1000:.1f} ms, podman "
                f"{qm * 1000:.1f} ms, ratio {pm / qm:.2f}"
            )
    finally:
        if docker_dir.exists():
            subprocess.run(["bash", str(RECIPES / "dockerd-private.sh"), "stop", str(docker_dir)])
        subprocess.run([*pallet, "rm", "-af"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(
            [*podman, "rm", "-af"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        subprocess.run(
            [*podman, "system", "reset", "-f"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(["umount", "-R", str(work)], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
