"""pallet's demo: the main job, end to end, in a throwaway store (or ``$PALLET_ROOT``).

Each step prints the command it runs, then its output, like a terminal session. The demo stops
at the first command that fails and exits with its code.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PALLET = [sys.executable, "-m", "pallet"]


def sh(*args: str, stdin: Path | None = None, stdout: Path | None = None) -> str:
    """Run ``pallet ARGS`` and echo it; return its stdout."""
    shown = "pallet " + " ".join(shlex.quote(a) for a in args)
    if stdin:
        shown += f" < {stdin.name}"
    if stdout:
        shown += f" > {stdout.name}"
    print(f"\n$ {shown}", flush=True)
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fin:
        proc = subprocess.run([*PALLET, *args], stdin=fin, capture_output=True)
    out = proc.stdout
    if stdout:
        stdout.write_bytes(out)
        out = b""
    sys.stdout.write(out.decode(errors="replace"))
    sys.stderr.write(proc.stderr.decode(errors="replace"))
    sys.stdout.flush()
    if proc.returncode != 0:
        print(f"demo: `{shown}` failed with exit code {proc.returncode}", file=sys.stderr)
        sys.exit(proc.returncode)
    return proc.stdout.decode(errors="replace")


def main() -> int:
    keep = os.environ.get("PALLET_ROOT")
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pallet-demo-"))
    os.environ["PALLET_ROOT"] = str(root)
    work = Path(tempfile.mkdtemp(prefix="pallet-demo-files-"))
    print(f"# store: {root}")
    try:
        # 1. A base image with no registry at all: the host's busybox-static.
        sh("bootstrap", "busybox", "busybox")
        # 2. Ship it as the CI world does: a zstd-compressed docker-archive; load it back.
        archive = work / "busybox.tar.zst"
        sh("save", "--compress", "zstd", "-o", str(archive), "busybox")
        sh("rmi", "busybox")
        sh("load", "-i", str(archive))
        # 3. A rootfs tarball from stdin, as `zstdcat image.tar.zst | podman import -` would.
        rootfs = work / "rootfs.tar.zst"
        sh("export", "busybox", stdout=work / "rootfs.tar")
        import zstandard

        with open(work / "rootfs.tar", "rb") as src, open(rootfs, "wb") as dst:
            zstandard.ZstdCompressor().copy_stream(src, dst)
        sh(
            "import",
            "--change",
            'CMD ["sh"]',
            "--message",
            "demo import",
            "-",
            "toolchain",
            stdin=rootfs,
        )
        # 4. What is in the store.
        sh("images")
        sh(
            "image",
            "inspect",
            "--format",
            "{{.Id}} {{.RepoTags}} {{.Architecture}}/{{.Os}} {{.Size}} bytes",
            "toolchain",
        )
        sh("history", "toolchain")
        # 5. Containers, through a real OCI runtime.
        sh("run", "--rm", "toolchain", "sh", "-c", "echo hello from $(hostname) in a container")
        sh(
            "run",
            "-d",
            "--name",
            "ticker",
            "busybox",
            "sh",
            "-c",
            "for i in 1 2 3; do echo tick $i; sleep 0.2; done",
        )
        sh("wait", "ticker")
        sh("logs", "ticker")
        sh("ps", "-a")
        sh("rm", "ticker")
        # 6. A Dockerfile build (examples/Dockerfile), then run the result.
        if (HERE / "Dockerfile").is_file():
            sh("build", "-t", "demo-app", str(HERE))
            sh("run", "--rm", "demo-app")
            sh("build", "-t", "demo-app", str(HERE))  # all cached the second time
        # 7. The store checks itself.
        sh("system", "check")
        sh("system", "df")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not keep:
            subprocess.run([*PALLET, "rm", "-af"], capture_output=True)
            shutil.rmtree(root, ignore_errors=True)
    print("\n# demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
