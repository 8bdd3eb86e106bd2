"""pallet's registry verbs and skopeo, both ways, byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from regcli import Runner

from pallet.testing.registry import LocalRegistry

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skopeo,
    pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed"),
]
NOVERIFY = "--tls-verify=false"


def _skopeo(*args: str) -> bytes:
    proc = subprocess.run(["skopeo", *args], capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def test_skopeo_pushes_pallet_pulls_ready_to_run(
    cli: Runner,
    other_cli: Runner,
    plain_registry: LocalRegistry,
    busybox_tar: Path,
    tmp_path: Path,
) -> None:
    cli("import", str(busybox_tar), "src", check=True)
    cli("save", "-o", str(tmp_path / "bb.tar"), "src", check=True)
    ref = f"{plain_registry.host}/interop/from-skopeo:1"
    _skopeo(
        "copy",
        "-q",
        "--dest-tls-verify=false",
        f"docker-archive:{tmp_path / 'bb.tar'}",
        f"docker://{ref}",
    )
    out = other_cli("pull", "-q", NOVERIFY, ref, check=True)
    info = json.loads(other_cli("image", "inspect", ref, check=True).stdout)[0]
    assert info["Id"] == out.stdout.strip()
    assert Path(info["GraphDriver"]["Data"]["UpperDir"], "bin", "busybox").is_file()
    raw = _skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{ref}")
    assert info["Digest"] == "sha256:" + __import__("hashlib").sha256(raw).hexdigest()
    assert "no problems found" in other_cli("system", "check", check=True).stdout


def test_pallet_pushes_skopeo_inspects_and_copies_back_identical(
    cli: Runner, other_cli: Runner, pushed: str, plain_registry: LocalRegistry, tmp_path: Path
) -> None:
    ours = json.loads(cli("inspect", NOVERIFY, f"docker://{pushed}", check=True).stdout)
    theirs = json.loads(_skopeo("inspect", "--tls-verify=false", f"docker://{pushed}"))
    for key in ("Name", "Digest", "RepoTags", "Created", "Architecture", "Os", "Layers", "Env"):
        assert ours[key] == theirs[key], key
    raw = _skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{pushed}")
    assert cli("inspect", NOVERIFY, "--raw", f"docker://{pushed}", check=True).stdout == (
        raw.decode()
    )
    layout = tmp_path / "layout"
    _skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{pushed}", f"oci:{layout}:x")
    back = f"{plain_registry.host}/interop/back:1"
    _skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:x", f"docker://{back}")
    assert _skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{back}") == raw
    other_cli("copy", "-q", f"oci:{layout}:x", "fromskopeo", check=True)
    assert (
        other_cli("image", "inspect", "--format", "{{.Digest}}", "fromskopeo").stdout.strip()
        == (ours["Digest"])
    )
