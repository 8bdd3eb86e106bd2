"""The pallet command written by ``pallet.cli.launcher``: Python without ``site`` until a
command needs site-packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pallet.cli.launcher import write_launcher

pytestmark = pytest.mark.runc


def _imports(stderr: str) -> set[str]:
    return {ln.split("|")[-1].strip() for ln in stderr.splitlines() if "import time:" in ln}


def test_launcher_runs_commands_with_and_without_site(tmp_path: Path, busybox_tar: Path) -> None:
    cmd = tmp_path / "pallet"
    write_launcher(str(cmd), sys.executable)
    assert cmd.read_text().startswith(f"#!{sys.executable} -S\n")
    assert os.access(cmd, os.X_OK)
    zst = tmp_path / "bb.tar.zst"
    subprocess.run(["zstd", "-q", "-o", str(zst), str(busybox_tar)], check=True)
    root = tmp_path / "root"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
    env["PYTHONPROFILEIMPORTTIME"] = "1"

    def pallet(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(cmd), "--root", str(root), *args], capture_output=True, text=True, env=env
        )

    out = pallet("import", str(zst), "bb")  # zstandard: from site-packages, after `site`
    assert out.returncode == 0, out.stderr
    assert {"site", "zstandard"} <= _imports(out.stderr)
    runs = [pallet("run", "--rm", "bb", "echo", "hi") for _ in range(2)]
    assert [(r.returncode, r.stdout) for r in runs] == [(0, "hi\n"), (0, "hi\n")]
    assert "site" in _imports(runs[0].stderr)  # the full path, which prepares the run
    assert "site" not in _imports(runs[1].stderr)  # replayed with the standard library only
    bad = pallet("nosuchverb")
    assert bad.returncode == 125 and "unrecognized command" in bad.stderr


def test_no_launcher_for_an_interpreter_path_a_shebang_cannot_hold(tmp_path: Path) -> None:
    for python in ("/opt/my python/bin/python3", "/" + "p" * 130):
        with pytest.raises(ValueError, match="cannot be a #! line"):
            write_launcher(str(tmp_path / "pallet"), python)
    assert not (tmp_path / "pallet").exists()
