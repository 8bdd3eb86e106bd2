"""Interop with skopeo in both directions, byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from registry_images import MemImage, MemSink, make_image, sha

from pallet.oci import mediatypes as mt
from pallet.oci.reference import Reference
from pallet.testing.registry import LocalRegistry
from pallet.transports.config.registries import RegistriesConf
from pallet.transports.registry import RegistryOptions, read_image, write

pytestmark = [
    pytest.mark.registry,
    pytest.mark.skopeo,
    pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed"),
]


def _opts(tmp_path: Path) -> RegistryOptions:
    return RegistryOptions(
        tls_verify=False, registries_conf=RegistriesConf(), auth_file=str(tmp_path / "none.json")
    )


def _skopeo(*args: str) -> bytes:
    proc = subprocess.run(["skopeo", *args], capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def _oci_layout(img: MemImage, path: Path, tag: str) -> None:
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (img.manifest_bytes, img.config_bytes, *(la.blob for la in img.layers())):
        (blobs / sha(data).split(":")[1]).write_bytes(data)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": img.digest,
                "size": len(img.manifest_bytes),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (path / "index.json").write_text(json.dumps(index))


def test_skopeo_pushes_pallet_pulls(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    img = make_image(b"from-skopeo")
    _oci_layout(img, tmp_path / "layout", "v1")
    ref = Reference.parse(f"{plain_registry.host}/interop/from-skopeo:v1")
    _skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path / 'layout'}:v1", f"docker://{ref}")
    got = read_image(ref, _opts(tmp_path))
    assert got.manifest.config.digest == img.manifest.config.digest
    assert got.config_bytes == img.config_bytes
    (layer,) = got.layers()
    sink = MemSink()
    layer.fetch(sink)
    assert bytes(sink.buf) == img.layers()[0].blob


def test_pallet_pushes_skopeo_reads_byte_identical(
    plain_registry: LocalRegistry, tmp_path: Path
) -> None:
    img = make_image(b"to-skopeo")
    ref = Reference.parse(f"{plain_registry.host}/interop/to-skopeo:v1")
    write(ref, img, _opts(tmp_path))
    raw = _skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{ref}")
    assert raw == img.manifest_bytes
    out = tmp_path / "copied"
    _skopeo("copy", "--src-tls-verify=false", f"docker://{ref}", f"dir:{out}")
    assert (out / "manifest.json").read_bytes() == img.manifest_bytes
    assert (out / img.manifest.config.digest.split(":")[1]).read_bytes() == img.config_bytes
    layer = img.layers()[0]
    assert (out / layer.descriptor.digest.split(":")[1]).read_bytes() == layer.blob
