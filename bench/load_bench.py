"""`pallet load` / `pallet import` beside `podman load` / `podman import`, alternating in one run.

The image: the cached Debian bookworm rootfs (debootstrap, ~128 MB) as one layer plus random
data layers up to ~500 MB, saved as a docker-archive and compressed with zstd. Prints medians,
ratios and each tool's peak memory (max RSS of the process tree).
Usage: .venv/bin/python bench/load_bench.py [--rounds N] [--size-mb N]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPES = HERE.parent.parent / "shared" / "recipes"
sys.path.insert(0, str(HERE.parent / "src"))
PALLET = [sys.executable, "-m", "pallet"]


def data_layer(path: Path, mb: int, seed: int) -> None:
    """Files of half random, half repeated bytes: compresses about 2:1, like real layers."""
    with tarfile.open(path, "w") as tf:
        for i in range(mb):
            half = os.urandom(1 << 19)
            data = half + bytes(half[: 1 << 10]) * (1 << 9)
            info = tarfile.TarInfo(f"data/{seed}/blob{i:04d}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def make_archive(work: Path, size_mb: int) -> tuple[Path, Path]:
    """(image.tar.zst, rootfs.tar) built with pallet itself in a scratch root."""
    from pallet.testing.images import debian_rootfs_cached

    rootfs_tar = debian_rootfs_cached().with_suffix(".tar")
    scratch = [*PALLET, "--root", str(work / "scratch")]
    subprocess.run(
        [*scratch, "import", str(rootfs_tar), "bench-base"], check=True, stdout=subprocess.DEVNULL
    )
    base_mb = rootfs_tar.stat().st_size >> 20
    layers = max(1, (size_mb - base_mb) // 100)
    ctx = work / "ctx"
    ctx.mkdir()
    lines = ["FROM bench-base"]
    for i in range(layers):
        data_layer(ctx / f"d{i}.tar", max(1, (size_mb - base_mb) // layers), i)
        lines.append(f"ADD d{i}.tar /")
    (ctx / "Dockerfile").write_text("\n".join(lines) + "\n")
    subprocess.run(
        [*scratch, "build", "-q", "-t", "bench-image", str(ctx)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    archive = work / "image.tar.zst"
    subprocess.run(
        [*scratch, "save", "--compress", "zstd", "-o", str(archive), "bench-image"], check=True
    )
    shutil.rmtree(ctx)
    return archive, rootfs_tar


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-400:]}")
    return took, 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size-mb", type=int, default=500)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lb-", dir="/var/tmp"))
    env = dict(os.environ, CONTAINERS_CONF=str(RECIPES / "podman-conf-here.conf"))
    try:
        archive, rootfs = make_archive(work, args.size_mb)
        mib = (archive.stat().st_size >> 20, rootfs.stat().st_size >> 20)
        print(f"archive {mib[0]} MiB (zstd), rootfs {mib[1]} MiB")
        results: dict[str, list[float]] = {}

        def fresh(name: str) -> Path:
            d = work / name
            subprocess.run(["umount", "-R", str(d)], stderr=subprocess.DEVNULL)
            shutil.rmtree(d, ignore_errors=True)
            return d

        for _ in range(args.rounds):
            for label, build in (
                ("pallet load", lambda d: [*PALLET, "--root", str(d), "load", "-i", str(archive)]),
                (
                    "podman load",
                    lambda d: [
                        "podman",
                        "--root",
                        str(d / "r"),
                        "--runroot",
                        str(d / "n"),
                        "load",
                        "-i",
                        str(archive),
                    ],
                ),
                (
                    "pallet import",
                    lambda d: [*PALLET, "--root", str(d), "import", str(rootfs), "deb"],
                ),
                (
                    "podman import",
                    lambda d: [
                        "podman",
                        "--root",
                        str(d / "r"),
                        "--runroot",
                        str(d / "n"),
                        "import",
                        str(rootfs),
                        "deb",
                    ],
                ),
            ):
                d = fresh("store")
                took, _ = timed(build(d), env)
                results.setdefault(label, []).append(took)
                if label.startswith("podman"):
                    subprocess.run(
                        [
                            "podman",
                            "--root",
                            str(d / "r"),
                            "--runroot",
                            str(d / "n"),
                            "system",
                            "reset",
                            "-f",
                        ],
                        env=env,
                        capture_output=True,
                    )
                fresh("store")
        med = {k: statistics.median(v) for k, v in results.items()}
        for k, v in med.items():
            runs = " ".join(f"{t:.2f}" for t in results[k])
            print(f"  {k:14s} {v:7.2f} s   (runs: {runs})")
        print(
            f"ratio load   pallet/podman {med['pallet load'] / med['podman load']:.2f}"
            "  (target <= 0.6)"
        )
        print(
            f"ratio import pallet/podman {med['pallet import'] / med['podman import']:.2f}"
            "  (target <= 1.0)"
        )
        out = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "%M",
                *PALLET,
                "--root",
                str(fresh("store")),
                "load",
                "-i",
                str(archive),
            ],
            capture_output=True,
            text=True,
        )
        peak_kb = int(out.stderr.strip().splitlines()[-1])
        print(
            f"peak RSS of pallet load: {peak_kb / 1024:.0f} MiB "
            f"(archive {archive.stat().st_size >> 20} MiB: streamed, never held whole)"
        )
    finally:
        subprocess.run(["umount", "-R", str(work)], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
