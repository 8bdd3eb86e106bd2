"""Interop of pallet's file transports with podman and skopeo (the real tools)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_images import MemImage

from conftest import Podman, skopeo
from pallet.image.protocol import Image
from pallet.transports import dir as dir_transport
from pallet.transports import docker_archive, layout, oci_archive


def _podman_image(podman: Podman, rootfs: bytes, tmp_path: Path) -> str:
    (tmp_path / "rootfs.tar").write_bytes(rootfs)
    return podman("import", "-q", str(tmp_path / "rootfs.tar"), "example.com/bb:1").stdout.strip()


@pytest.mark.podman
@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_read_podman_save(podman: Podman, rootfs_tar: bytes, tmp_path: Path, fmt: str) -> None:
    image_id = _podman_image(podman, rootfs_tar, tmp_path)
    path = tmp_path / "saved.tar"
    podman("save", "--format", fmt, "-o", str(path), "example.com/bb:1")
    inspect = json.loads(podman("image", "inspect", "example.com/bb:1").stdout)[0]
    reader = docker_archive if fmt == "docker-archive" else oci_archive
    [(image, names)] = reader.read(path)  # type: ignore[attr-defined]
    assert isinstance(image, Image)
    assert names == ["example.com/bb:1"]
    assert image.manifest.config.digest == image_id
    assert [la.diff_id for la in image.layers()] == inspect["RootFS"]["Layers"]
    for layer in image.layers():
        with layer.open() as fh:
            while fh.read(1 << 20):
                pass


@pytest.mark.podman
@pytest.mark.skopeo
@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_podman_loads_what_pallet_writes(
    podman: Podman, busybox: MemImage, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / "out.tar"
    module = docker_archive if fmt == "docker-archive" else oci_archive
    with path.open("wb") as out:
        module.write(out, [(busybox, ["example.com/pallet/bb:1"])])  # type: ignore[attr-defined]
    info = json.loads(skopeo("inspect", f"{fmt}:{path}").stdout)
    layer_digests = [la.descriptor.digest for la in busybox.layers()]
    if fmt == "oci-archive":
        assert info["Layers"] == layer_digests
    else:  # written uncompressed: the blob is the diffID
        assert info["Layers"] == [la.diff_id for la in busybox.layers()]
    podman("load", "-q", "-i", str(path))
    inspect = json.loads(podman("image", "inspect", "example.com/pallet/bb:1").stdout)[0]
    assert "sha256:" + inspect["Id"] == busybox.manifest.config.digest
    assert inspect["RootFS"]["Layers"] == [la.diff_id for la in busybox.layers()]


@pytest.mark.skopeo
@pytest.mark.parametrize("dest", ["oci", "dir"])
def test_read_skopeo_copies(busybox: MemImage, tmp_path: Path, dest: str) -> None:
    src = tmp_path / "src.tar"
    with src.open("wb") as out:
        oci_archive.write(out, [(busybox, ["example.com/bb:1"])])
    target = tmp_path / dest
    if dest == "oci":
        skopeo("copy", "-q", f"oci-archive:{src}", f"oci:{target}:bb")
        image = layout.read(target, "bb")
    else:
        skopeo("copy", "-q", f"oci-archive:{src}", f"dir:{target}")
        image = dir_transport.read(target)
    assert isinstance(image, Image)
    assert image.manifest_bytes == busybox.manifest_bytes
    assert [la.open().read() for la in image.layers()] == [la.blob for la in busybox.layers()]


@pytest.mark.skopeo
def test_skopeo_reads_pallet_layout_and_dir(busybox: MemImage, tmp_path: Path) -> None:
    layout.write(tmp_path / "l", busybox, "bb")
    info = json.loads(skopeo("inspect", f"oci:{tmp_path / 'l'}:bb").stdout)
    assert info["Layers"] == [la.descriptor.digest for la in busybox.layers()]
    dir_transport.write(tmp_path / "d", busybox)
    skopeo("copy", "-q", f"dir:{tmp_path / 'd'}", f"oci:{tmp_path / 'l2'}:x")
    assert layout.read(tmp_path / "l2", "x").manifest_bytes == busybox.manifest_bytes  # type: ignore[union-attr]
