"""The CLI runner the registry-verb tests share (a module of its own: conftest names clash)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

USER, PASSWORD = "tester", "s3cret"


class Runner:
    """Runs ``pallet --root ROOT ...`` with ``env`` added; returns text stdout and stderr."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def __call__(
        self, *args: str, input: bytes | None = None, check: bool = False, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
        env.update(self.env)
        proc = subprocess.run(
            [sys.executable, "-m", "pallet", "--root", str(self.root), *args],
            input=input,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
        out = subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
        )
        if check and proc.returncode:
            raise AssertionError(f"pallet {' '.join(args)} failed: {out.stderr}")
        return out

    def state(self) -> tuple[str, str]:
        """``pallet images -q --no-trunc`` and ``system check`` output, for "unchanged"."""
        images = self("images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}", check=True)
        check = self("system", "check", check=True)
        return images.stdout, check.stdout
