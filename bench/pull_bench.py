"""Pull and push of a ~500 MB multi-layer image: pallet against podman and skopeo.

The image: the cached Debian rootfs as one gzip layer, plus random-data layers (gzip, level 1)
to about 500 MB, kept as an OCI layout under the test cache. It is pushed once to a local
docker-registry; then, alternating in one run:

* pull: ``pallet pull`` into a fresh store (unpacked, ready to run) vs ``podman pull`` into a
  private ``--root/--runroot`` vs ``skopeo copy docker://… oci:DIR`` (blobs only);
* push: ``pallet push`` of the pulled image vs ``skopeo copy oci:LAYOUT docker://…``, each to a
  fresh registry (so nothing is already there or mountable).

Every store and directory lives in a short /tmp dir on the same disk. Prints medians and the
ratios (targets: pull <= 0.7x podman, push <= 0.8x skopeo). Run: ``python bench/pull_bench.py
[--rounds N]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from pallet.testing.images import DEBIAN_CACHE, debian_rootfs_cached
from pallet.testing.registry import LocalRegistry

PODMAN_CONF = "/work/shared/recipes/podman-conf-here.conf"
RANDOM_LAYERS = 3
RANDOM_SIZE = 125 << 20


def _blob(blobs: Path, data_path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    with open(data_path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    digest = "sha256:" + h.hexdigest()
    target = blobs / h.hexdigest()
    os.replace(data_path, target)
    return digest, target.stat().st_size


def _gzip_layer(blobs: Path, write_tar: object) -> tuple[dict[str, object], str]:
    """Write a gzip layer via ``write_tar(fileobj)``; return its descriptor and diffID."""
    tmp = blobs / "tmp.gz"
    diff = hashlib.sha256()

    class _Hashing(io.RawIOBase):
        def __init__(self, out: io.BufferedIOBase) -> None:
            self.out = out

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            diff.update(data)
            return self.out.write(data)

    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz,
    ):
        write_tar(_Hashing(gz))  # type: ignore[operator]
    digest, size = _blob(blobs, tmp)
    desc = {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": digest,
        "size": size,
    }
    return desc, "sha256:" + diff.hexdigest()


def build_layout() -> Path:
    """The benchmark image as an OCI layout (built once, cached next to the Debian rootfs)."""
    layout = DEBIAN_CACHE / "bench-pull-layout"
    if (layout / "index.json").is_file():
        return layout
    rootfs_tar = debian_rootfs_cached().with_suffix(".tar")
    work = DEBIAN_CACHE / f".bench-{os.getpid()}"
    blobs = work / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    layers, diffs = [], []

    def copy_debian(out: io.RawIOBase) -> None:
        with open(rootfs_tar, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    for writer in [copy_debian, *[_random_tar(i) for i in range(RANDOM_LAYERS)]]:
        desc, diff_id = _gzip_layer(blobs, writer)
        layers.append(desc)
        diffs.append(diff_id)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/bash"], "Env": ["PATH=/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diffs},
        }
    ).encode()
    cfg_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    (blobs / cfg_digest[7:]).write_bytes(config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": cfg_digest,
                "size": len(config),
            },
            "layers": layers,
        }
    ).encode()
    man_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    (blobs / man_digest[7:]).write_bytes(manifest)
    (work / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": man_digest,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "bench"},
            }
        ],
    }
    (work / "index.json").write_text(json.dumps(index))
    os.rename(work, layout)
    return layout


def _random_tar(i: int) -> object:
    def write(out: io.RawIOBase) -> None:
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tf:
            for j in range(5):
                info = tarfile.TarInfo(f"data{i}/blob{j}.bin")
                info.size = RANDOM_SIZE // 5
                tf.addfile(info, io.BytesIO(os.urandom(info.size)))

    return write


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True)
    took = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    layout = build_layout()
    size = sum(f.stat().st_size for f in (layout / "blobs" / "sha256").iterdir())
    print(f"image: {size / 1e6:.0f} MB compressed, {RANDOM_LAYERS + 1} layers")
    work = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    regconf = work / "registries.conf"
    pallet = [sys.executable, "-m", "pallet"]
    pulls: dict[str, list[float]] = {"pallet": [], "podman": [], "skopeo": []}
    pushes: dict[str, list[float]] = {"pallet": [], "skopeo": []}
    try:
        with LocalRegistry() as reg:
            ref = f"{reg.host}/bench/img:1"
            regconf.write_text(f'[[registry]]\nlocation = "{reg.host}"\ninsecure = true\n')
            env = {"CONTAINERS_CONF": PODMAN_CONF, "CONTAINERS_REGISTRIES_CONF": str(regconf)}
            timed(
                [
                    "skopeo",
                    "copy",
                    "-q",
                    "--dest-tls-verify=false",
                    f"oci:{layout}:bench",
                    f"docker://{ref}",
                ]
            )
            for r in range(a.rounds):
                d = work / f"r{r}"
                pulls["pallet"].append(
                    timed([*pallet, "--root", str(d / "p"), "pull", "-q", ref], env)
                )
                pulls["podman"].append(
                    timed(
                        [
                            "podman",
                            "--root",
                            str(d / "pr"),
                            "--runroot",
                            str(d / "prun"),
                            "pull",
                            "-q",
                            ref,
                        ],
                        env,
                    )
                )
                pulls["skopeo"].append(
                    timed(
                        [
                            "skopeo",
                            "copy",
                            "-q",
                            "--src-tls-verify=false",
                            f"docker://{ref}",
                            f"oci:{d / 'o'}:x",
                        ]
                    )
                )
                with LocalRegistry() as target:
                    pushes["pallet"].append(
                        timed(
                            [
                                *pallet,
                                "--root",
                                str(d / "p"),
                                "push",
                                "-q",
                                "--tls-verify=false",
                                ref,
                                f"{target.host}/push/pallet:1",
                            ]
                        )
                    )
                with LocalRegistry() as target:
                    pushes["skopeo"].append(
                        timed(
                            [
                                "skopeo",
                                "copy",
                                "-q",
                                "--dest-tls-verify=false",
                                f"oci:{layout}:bench",
                                f"docker://{target.host}/push/skopeo:1",
                            ]
                        )
                    )
                subprocess.run(
                    ["podman", "--root", str(d / "pr"), "--runroot", str(d / "prun"), "rmi", "-af"],
                    capture_output=True,
                    env={**os.environ, **env},
                )
                shutil.rmtree(d, ignore_errors=True)
                print(
                    f"round {r + 1}: pull "
                    + " ".join(f"{k}={v[-1]:.2f}s" for k, v in pulls.items())
                    + " | push "
                    + " ".join(f"{k}={v[-1]:.2f}s" for k, v in pushes.items()),
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in pulls.items()}
    pmed = {k: statistics.median(v) for k, v in pushes.items()}

    def paired(a: list[float], b: list[float]) -> float:
        """Median of the per-round ratios (each round's runs are back to back)."""
        return statistics.median(x / y for x, y in zip(a, b, strict=True))

    print(
        f"pull medians: pallet {med['pallet']:.2f}s podman {med['podman']:.2f}s "
        f"skopeo(oci:) {med['skopeo']:.2f}s"
    )
    print(
        f"pull ratio pallet/podman: median of rounds {paired(pulls['pallet'], pulls['podman']):.2f}"
        f", of medians {med['pallet'] / med['podman']:.2f} (target <= 0.7); pallet/skopeo "
        f"{paired(pulls['pallet'], pulls['skopeo']):.2f}"
    )
    print(
        f"push medians: pallet {pmed['pallet']:.2f}s skopeo {pmed['skopeo']:.2f}s; ratio: median "
        f"of rounds {paired(pushes['pallet'], pushes['skopeo']):.2f}, of medians "
        f"{pmed['pallet'] / pmed['skopeo']:.2f} (target <= 0.8)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
