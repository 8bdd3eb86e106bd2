"""Image catalogs: context hashing throughput against sha256sum, and a one-leaf rebuild.

1. Hash a generated 1 GB, 20,000-file context with ``pallet.catalog.context_hash`` and run
   ``sha256sum`` over the same files, page cache warm, alternating the two in one run; prints
   each one's best throughput and the ratio (target: pallet >= 0.8 x sha256sum).
2. Build a 5-image catalog (base -> mid -> leaf1, leaf2; base -> other) with ``pallet catalog
   build``, change one leaf, build again; prints the times and which images each build built
   (target: the second build touches only that leaf).

Usage: python bench/catalog_bench.py [--size-mb 1024] [--files 20000] [--rounds 3] [--no-build]
(part 2 needs root and runc).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PALLET = [sys.executable, "-m", "pallet"]
FIVE = {
    "base": "FROM busybox\nRUN echo base > /base\n",
    "mid": "FROM base\nCOPY m /m\n",
    "leaf1": "FROM mid\nRUN echo leaf1 > /l1\n",
    "leaf2": "FROM mid\nRUN echo leaf2 > /l2\n",
    "other": "FROM base\nRUN echo other > /o\n",
}


def _make_context(top: Path, size: int, files: int) -> list[Path]:
    """An image folder with ``files`` files of random sizes adding up to about ``size``."""
    folder = top / "taskcluster" / "docker" / "big"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\n")
    rng = random.Random(1)
    weights = [rng.expovariate(1.0) for _ in range(files)]
    scale = size / sum(weights)
    block = os.urandom(4 << 20)
    paths = []
    for i, weight in enumerate(weights):
        path = folder / f"d{i % 100:02d}" / f"f{i:05d}.bin"
        path.parent.mkdir(exist_ok=True)
        n = int(weight * scale)
        offset = rng.randrange(len(block))
        with path.open("wb") as fh:
            while n:
                chunk = block[offset : offset + n] or block[:n]
                fh.write(chunk)
                n -= len(chunk)
                offset = 0
        paths.append(path)
    return [folder / "Dockerfile", *paths]


def _sha256sum(paths: list[Path]) -> float:
    listing = b"\0".join(str(p).encode() for p in paths) + b"\0"
    start = time.perf_counter()
    subprocess.run(
        ["xargs", "-0", "sha256sum"], input=listing, stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def _pallet_hash(top: Path) -> float:
    from pallet.catalog import context_hash

    start = time.perf_counter()
    context_hash(top, Path("taskcluster/docker/big"), {}, image="big")
    return time.perf_counter() - start


def bench_hash(size_mb: int, files: int, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="catalog-bench-", dir="/var/tmp"))
    try:
        paths = _make_context(work, size_mb << 20, files)
        total = sum(p.stat().st_size for p in paths)
        _sha256sum(paths)  # warm the page cache
        _pallet_hash(work)
        sums, ours = [], []
        for _ in range(rounds):
            sums.append(_sha256sum(paths))
            ours.append(_pallet_hash(work))
        mb = total / (1 << 20)
        t_sum, t_ours = min(sums), min(ours)
        print(f"context: {len(paths)} files, {mb:.0f} MiB, best of {rounds}, cache warm")
        print(f"  sha256sum     {t_sum:7.2f} s  {mb / t_sum:8.1f} MiB/s")
        print(f"  context_hash  {t_ours:7.2f} s  {mb / t_ours:8.1f} MiB/s")
        ratio = t_sum / t_ours
        print(f"  ratio (pallet / sha256sum throughput): {ratio:.2f}  (target >= 0.80)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _built(stdout: str) -> list[str]:
    return [line.split(":")[0] for line in stdout.splitlines() if ": built " in line]


def _catalog_build(root: Path, top: Path) -> tuple[float, list[str]]:
    start = time.perf_counter()
    out = subprocess.run(
        [*PALLET, "--root", str(root), "catalog", "build", "--topsrcdir", str(top)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return time.perf_counter() - start, _built(out.stdout)


def bench_rebuild() -> None:
    from pallet.testing.images import busybox_tarball

    work = Path(tempfile.mkdtemp(prefix="catalog-build-bench-", dir="/var/tmp"))
    root = work / "root"
    try:
        tar = busybox_tarball(work / "busybox.tar")
        subprocess.run([*PALLET, "--root", str(root), "import", "--change", 'CMD ["sh"]',
                        str(tar), "busybox"], check=True, capture_output=True)  # fmt: skip
        top = work / "src"
        for name, dockerfile in FIVE.items():
            folder = top / "taskcluster" / "docker" / name
            folder.mkdir(parents=True)
            (folder / "Dockerfile").write_text(dockerfile)
        (top / "taskcluster" / "docker" / "mid" / "m").write_text("m\n")
        t_all, first = _catalog_build(root, top)
        t_none, second = _catalog_build(root, top)
        leaf = top / "taskcluster" / "docker" / "leaf2" / "Dockerfile"
        leaf.write_text(leaf.read_text() + "RUN echo changed > /changed\n")
        t_leaf, third = _catalog_build(root, top)
        print("5-image catalog (base -> mid -> leaf1, leaf2; base -> other)")
        print(f"  first build     {t_all:6.2f} s  built {first}")
        print(f"  nothing changed {t_none:6.2f} s  built {second}")
        print(f"  leaf2 changed   {t_leaf:6.2f} s  built {third}")
        verdict = "ok" if third == ["leaf2"] and not second else "UNEXPECTED"
        print(f"  only the changed leaf rebuilt: {verdict}")
    finally:
        subprocess.run(["umount", "-R", str(root)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--files", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--no-build", action="store_true", help="only the hashing benchmark")
    a = p.parse_args()
    bench_hash(a.size_mb, a.files, a.rounds)
    if not a.no_build:
        bench_rebuild()


if __name__ == "__main__":
    main()
