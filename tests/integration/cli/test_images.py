"""Image verbs through the CLI, in a throwaway root, with podman/skopeo for interop."""

from __future__ import annotations

import gzip
import io
import json
import lzma
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import zstandard

from tests.conftest import PALLET, PalletCLI, require

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _compress(data: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    if kind == "xz":
        return lzma.compress(data)
    if kind == "bzip2":
        import bz2

        return bz2.compress(data)
    return data


@pytest.mark.parametrize("kind", ["plain", "gzip", "zstd", "xz", "bzip2"])
def test_import_any_compression_from_file_and_stdin(
    pallet: PalletCLI, busybox_tar: Path, tmp_path: Path, kind: str
) -> None:
    data = _compress(busybox_tar.read_bytes(), kind)
    src = tmp_path / "rootfs.bin"  # the name says nothing: the bytes decide
    src.write_bytes(data)
    out = pallet("import", str(src), f"fromfile-{kind}", check=True)
    assert len(out.stdout.strip()) == 64
    out2 = pallet("import", "-", f"fromstdin-{kind}", input=data, check=True)
    assert out2.stdout.strip() == out.stdout.strip().replace(
        out.stdout.strip(), out2.stdout.strip()
    )
    listed = pallet("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout
    assert f"localhost/fromfile-{kind}:latest" in listed
    assert f"localhost/fromstdin-{kind}:latest" in listed
    inspect = json.loads(pallet("image", "inspect", f"fromfile-{kind}", check=True).stdout)[0]
    assert inspect["History"][0]["comment"] == "imported from tarball"
    assert inspect["Os"] == "linux" and len(inspect["RootFS"]["Layers"]) == 1


def test_import_changes_and_message(pallet: PalletCLI, busybox_tar: Path) -> None:
    pallet(
        "import",
        "--change",
        'CMD ["sh", "-c", "echo hi"]',
        "--change",
        "ENV A=1 B=2",
        "--change",
        "WORKDIR /srv",
        "--change",
        "USER 0:0",
        "--change",
        "LABEL k=v",
        "--change",
        "EXPOSE 8080",
        "--change",
        "ENTRYPOINT []",
        "-m",
        "my message",
        str(busybox_tar),
        "changed",
        check=True,
    )
    info = json.loads(pallet("image", "inspect", "changed", check=True).stdout)[0]
    cfg = info["Config"]
    assert cfg["Cmd"] == ["sh", "-c", "echo hi"]
    assert "A=1" in cfg["Env"] and "B=2" in cfg["Env"]
    assert cfg["WorkingDir"] == "/srv" and cfg["User"] == "0:0"
    assert cfg["Labels"] == {"k": "v"} and "8080/tcp" in cfg["ExposedPorts"]
    assert info["Comment"] == "my message"
    bad = pallet("import", "--change", "RUN echo", str(busybox_tar), "bad")
    assert bad.returncode == 125 and "not a valid change instruction" in bad.stderr


def _store_snapshot(root: Path) -> dict[str, int]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if rel.startswith(("tmp", "locks", "run")):
            continue
        out[rel] = p.stat().st_size if p.is_file() else -1
    return out


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"this is not an archive at all" * 40, "not a tar archive"),
        (b"", "empty"),
        (b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "truncated"),
    ],
)
def test_bad_input_is_one_line_125_and_store_unchanged(
    pallet: PalletCLI, busybox_image: str, root: Path, payload: bytes, message: str
) -> None:
    before = _store_snapshot(root)
    for verb in (["import", "-", "x"], ["load"]):
        out = pallet(*verb, input=payload)
        assert out.returncode == 125, out.stderr
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("Error: ")
        assert "Traceback" not in out.stderr
        if verb[0] == "import":
            assert message in out.stderr.lower()
    assert _store_snapshot(root) == before
    assert pallet("system", "check").returncode == 0


def test_truncated_layer_archive(
    pallet: PalletCLI, busybox_tar: Path, busybox_image: str, root: Path
) -> None:
    before = _store_snapshot(root)
    data = busybox_tar.read_bytes()
    out = pallet("import", "-", "cut", input=data[: len(data) // 2])
    assert out.returncode == 125 and "truncated" in out.stderr
    saved = pallet("save", busybox_image, check=True).stdout_bytes  # type: ignore[attr-defined]
    out = pallet("load", input=saved[: len(saved) // 2])
    assert out.returncode == 125 and out.stderr.startswith("Error: ")
    assert _store_snapshot(root) == before


def test_unknown_and_malformed_references(pallet: PalletCLI) -> None:
    out = pallet("image", "inspect", "nosuchimage")
    assert out.returncode == 125 and "No such image: nosuchimage" in out.stderr
    out = pallet("tag", "nosuch", "other")
    assert out.returncode == 125 and "No such image: nosuch" in out.stderr
    out = pallet("rmi", "Bad:Ref:x")
    assert out.returncode == 125 and "invalid reference format" in out.stderr


def test_save_load_round_trip_keeps_tags_and_ids(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path, root: Path
) -> None:
    pallet("tag", busybox_image, "example.com/team/bb:1", check=True)
    image_id = pallet("images", "-q", "--no-trunc", busybox_image, check=True).stdout.split()[0]
    for fmt, comp in (("docker-archive", ""), ("oci-archive", "zstd"), ("docker-archive", "gzip")):
        archive = tmp_path / f"out-{fmt}-{comp}.tar"
        args = ["save", "--format", fmt, "-o", str(archive)]
        if comp:
            args += ["--compress", comp]
        pallet(*args, "busybox", "example.com/team/bb:1", check=True)
        other = PalletCLI(tmp_path / f"root-{fmt}-{comp}")
        out = other("load", "-i", str(archive), check=True)
        assert "localhost/busybox:latest" in out.stdout
        assert "example.com/team/bb:1" in out.stdout
        loaded = other("images", "-q", "--no-trunc", "example.com/team/bb:1", check=True)
        assert loaded.stdout.split()[0] == image_id
        assert other("system", "check").returncode == 0


def test_tag_untag_rmi_prune_history(pallet: PalletCLI, busybox_image: str) -> None:
    pallet("tag", busybox_image, "one", "two:2", check=True)
    names = pallet("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout.split()
    assert {"localhost/one:latest", "localhost/two:2", "localhost/busybox:latest"} <= set(names)
    out = pallet("rmi", "two:2", check=True)
    assert "Untagged: localhost/two:2" in out.stdout
    pallet("untag", busybox_image, "one", check=True)
    assert "localhost/one:latest" not in pallet("images").stdout
    hist = pallet(
        "history", "--format", "{{.CreatedBy}}|{{.Comment}}", busybox_image, check=True
    ).stdout
    assert "imported from tarball" in hist
    pallet("untag", busybox_image, check=True)
    dangling = pallet("images", "-q", "--filter", "dangling=true", check=True).stdout.split()
    assert len(dangling) == 1
    pruned = pallet("image", "prune", "-f", check=True).stdout.split()
    assert len(pruned) == 1
    assert pallet("images", "-q").stdout.strip() == ""
    assert list((pallet.root / "layers").iterdir()) == []  # gc removed the layer


def test_images_json_and_filters(pallet: PalletCLI, busybox_tar: Path) -> None:
    pallet("import", "--change", "LABEL tier=base", str(busybox_tar), "labelled", check=True)
    pallet("import", str(busybox_tar), "plain", check=True)
    rows = json.loads(pallet("images", "--format", "json", check=True).stdout)
    assert {tuple(r["Names"]) for r in rows} >= {("localhost/labelled:latest",)}
    only = pallet(
        "images", "--filter", "label=tier=base", "--format", "{{.Repository}}", check=True
    ).stdout.split()
    assert only == ["localhost/labelled"]
    ref = pallet(
        "images", "--filter", "reference=plain", "--format", "{{.Repository}}", check=True
    ).stdout.split()
    assert ref == ["localhost/plain"]


def test_rmi_refuses_image_used_by_container_unless_forced(
    pallet: PalletCLI, busybox_image: str
) -> None:
    pallet("create", "--name", "user", busybox_image, "true", check=True)
    out = pallet("rmi", busybox_image)
    assert out.returncode == 125 and "in use by a container" in out.stderr
    pallet("rmi", "-f", busybox_image, check=True)
    assert pallet("ps", "-a", "-q").stdout.strip() == ""


def test_bootstrap_busybox_runs_nothing_but_makes_an_image(pallet: PalletCLI) -> None:
    pallet("bootstrap", "busybox", "bb", check=True)
    info = json.loads(pallet("image", "inspect", "bb", check=True).stdout)[0]
    assert info["Config"]["Cmd"] == ["sh"]
    assert info["Size"] > 500_000


def test_sigkill_during_load_leaves_a_store_that_checks_clean(
    pallet: PalletCLI, busybox_tar: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.tar"
    with tarfile.open(big, "w") as tf:  # a docker-archive whose layer is slow to arrive
        payload = os.urandom(64 << 20)
        info = tarfile.TarInfo("blob")
        info.size = len(payload)
        layer = io.BytesIO()
        with tarfile.open(fileobj=layer, mode="w") as inner:
            inner.addfile(info, io.BytesIO(payload))
        li = tarfile.TarInfo("layer.tar")
        li.size = layer.tell()
        layer.seek(0)
        tf.addfile(li, layer)
    proc = subprocess.Popen(
        [*PALLET, "--root", str(pallet.root), "load", "-i", str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert pallet("images", "-q", check=True).stdout == ""  # no half-loaded image
    check = pallet("system", "check")
    assert check.returncode == 0 and "no problems found" in check.stdout, check.stdout
    assert list((pallet.root / "tmp").iterdir()) == []  # the dead writer's staging is gone
    pallet("import", str(busybox_tar), "after", check=True)  # nothing blocks the next writer


@require("podman", "skopeo")
def test_podman_and_skopeo_read_what_pallet_saves(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    short = Path(f"/tmp/pp-{os.getpid()}")
    try:
        for fmt in ("docker-archive", "oci-archive"):
            archive = tmp_path / f"{fmt}.tar"
            pallet("save", "--format", fmt, "-o", str(archive), busybox_image, check=True)
            raw = subprocess.run(
                ["skopeo", "inspect", f"{fmt}:{archive}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert len(json.loads(raw)["Layers"]) == 1
            podman = [
                "podman",
                "--root",
                str(short / "root"),
                "--runroot",
                str(short / "run"),
                "--storage-driver",
                "vfs",
            ]
            out = subprocess.run(
                [*podman, "load", "-i", str(archive)], capture_output=True, text=True
            )
            assert out.returncode == 0, out.stderr
        pid = pallet("images", "-q", "--no-trunc", busybox_image, check=True).stdout.split()[0]
        ids = subprocess.run(
            [*podman, "images", "-q", "--no-trunc"], capture_output=True, text=True, check=True
        ).stdout
        assert pid in ids
    finally:
        subprocess.run(["umount", "-R", str(short)], capture_output=True)
        shutil.rmtree(short, ignore_errors=True)


@require("podman")
def test_pallet_loads_what_podman_saves(
    pallet: PalletCLI, busybox_tar: Path, tmp_path: Path
) -> None:
    short = Path(f"/tmp/pq-{os.getpid()}")
    podman = [
        "podman",
        "--root",
        str(short / "root"),
        "--runroot",
        str(short / "run"),
        "--storage-driver",
        "vfs",
    ]
    try:
        subprocess.run(
            [*podman, "import", str(busybox_tar), "fromp"], check=True, capture_output=True
        )
        for fmt in ("docker-archive", "oci-archive"):
            archive = tmp_path / f"p-{fmt}.tar"
            subprocess.run(
                [*podman, "save", "--format", fmt, "-o", str(archive), "localhost/fromp:latest"],
                check=True,
                capture_output=True,
            )
            out = pallet("load", "-i", str(archive), check=True)
            assert "Loaded image" in out.stdout
        assert "localhost/fromp" in pallet("images", check=True).stdout
        assert pallet("system", "check").returncode == 0
    finally:
        shutil.rmtree(short, ignore_errors=True)


def test_python_m_pallet_and_console_script(root: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pallet", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("pallet version")
    out = subprocess.run(
        [sys.executable, "-m", "pallet", "frobnicate"], capture_output=True, text=True
    )
    assert out.returncode == 125 and "unrecognized command" in out.stderr


@pytest.mark.runc
def test_intermediate_build_images_hidden_and_kept_by_prune(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo hi > /x\nENV A=1\nLABEL k=v\n")
    pallet("build", "-q", "-t", "final", str(ctx), check=True)
    shown = pallet("images", "--format", "{{.Repository}}", check=True).stdout.split()
    assert sorted(shown) == ["localhost/busybox", "localhost/final"]
    everything = pallet("images", "-a", "-q", check=True).stdout.split()
    assert len(everything) > 2
    pallet("image", "prune", "-f", check=True)
    assert pallet("images", "-a", "-q", check=True).stdout.split() == everything
    rebuilt = pallet("build", "-t", "final", str(ctx), check=True).stdout
    assert "Using cache" in rebuilt


@pytest.mark.runc
def test_load_of_an_image_with_an_empty_layer(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN true\n")
    pallet("build", "-q", "-t", "emptylayer", str(ctx), check=True)
    archive = tmp_path / "e.tar"
    pallet("save", "-o", str(archive), "emptylayer", check=True)
    pallet("rmi", "emptylayer", busybox_image, check=True)
    pallet("image", "prune", "-a", "-f", check=True)
    assert pallet("images", "-aq").stdout == ""
    pallet("load", "-i", str(archive), check=True)
    assert pallet("system", "check").returncode == 0
    assert pallet("run", "--rm", "emptylayer", "true").returncode == 0


def test_usage_errors_are_one_line_and_125(pallet: PalletCLI) -> None:
    for args in (["run", "--bogus", "busybox"], ["images", "--filter"], ["save"]):
        out = pallet(*args)
        assert out.returncode == 125, args
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("Error: pallet "), out.stderr
    assert pallet("images", "--help").returncode == 0
