"""pallet build vs podman build --layers: a 10-step Dockerfile (COPY + RUN) on busybox, cold
and fully cached, alternating the two tools in one run; prints medians and ratios.

Usage: python bench/build_bench.py [ROUNDS]   (needs root, runc, podman, busybox-static)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONF = "/work/shared/recipes/podman-conf-here.conf"
STEPS = "".join(f"COPY f{i}.txt /f{i}.txt\nRUN cat /f{i}.txt >> /all\n" for i in range(5))
DOCKERFILE = "FROM busybox\n" + STEPS


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    work = Path(tempfile.mkdtemp(prefix="build-bench-", dir="/var/tmp"))
    env = dict(os.environ, CONTAINERS_CONF=CONF)
    try:
        tar = work / "busybox.tar"
        subprocess.run(["bash", "/work/shared/recipes/busybox-image.sh", str(tar)], check=True)
        ctx = work / "ctx"
        ctx.mkdir()
        for i in range(5):
            (ctx / f"f{i}.txt").write_text(f"file {i}\n")
        (ctx / "Dockerfile").write_text(DOCKERFILE)
        results: dict[str, list[float]] = {k: [] for k in
                                           ("pallet cold", "pallet cached", "podman cold",
                                            "podman cached")}  # fmt: skip
        for r in range(rounds):
            proot = work / f"pallet-{r}"
            pallet = [sys.executable, "-m", "pallet", "--root", str(proot)]
            subprocess.run([*pallet, "import", str(tar), "busybox"], check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            pod = ["podman", "--root", str(work / f"podman-{r}/root"),
                   "--runroot", str(work / f"podman-{r}/run")]  # fmt: skip
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            subprocess.run([*pod, "import", str(tar), "busybox"], check=True, env=env, **quiet)
            pb = [*pallet, "build", "-t", "bench", str(ctx)]
            qb = [*pod, "build", "--layers", "--network", "none", "-t", "bench", str(ctx)]
            results["pallet cold"].append(_timed(pb, env))
            results["podman cold"].append(_timed(qb, env))
            for _ in range(3):
                results["pallet cached"].append(_timed(pb, env))
                results["podman cached"].append(_timed(qb, env))
            subprocess.run([*pod, "system", "reset", "-f"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)  # fmt: skip
        med = {k: statistics.median(v) for k, v in results.items()}
        for k, v in med.items():
            print(f"{k:15} {v * 1000:8.1f} ms")
        print(f"cold ratio   pallet/podman = {med['pallet cold'] / med['podman cold']:.2f}")
        print(f"cached ratio pallet/podman = {med['pallet cached'] / med['podman cached']:.2f}")
    finally:
        subprocess.run(["sh", "-c", f"grep -o '{work}[^ ]*' /proc/self/mountinfo | "
                        "sort -r | xargs -r -n1 umount -l"], check=False)  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
