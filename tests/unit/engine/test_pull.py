"""Unit tests for the pull use case: candidates, error context, storing lazy images."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import BinaryIO

import pytest

from pallet.engine.context import Engine
from pallet.engine.pull import pull_candidates, store_image, with_context
from pallet.errors import DigestMismatch, InvalidArgument, RegistryError, Unauthorized
from pallet.oci import mediatypes as mt
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.oci.reference import Reference
from pallet.transports._tarfiles import verified
from pallet.transports.config.registries import RegistriesConf


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _Layer:
    def __init__(self, raw: bytes, corrupt: bool = False) -> None:
        self.blob = gzip.compress(raw, mtime=0)
        self.diff = _sha(raw)
        self.digest = _sha(self.blob)
        self.opened = 0
        self.corrupt = corrupt

    @property
    def descriptor(self) -> Descriptor:
        return Descriptor(mt.OCI_LAYER_GZIP, self.digest, len(self.blob))

    @property
    def diff_id(self) -> str:
        return self.diff

    def open(self) -> BinaryIO:
        self.opened += 1
        data = self.blob
        if self.corrupt:
            data = data[:-9] + bytes([data[-9] ^ 1]) + data[-8:]
        return verified(io.BytesIO(data), self.digest)  # as every transport's layers do


class _Image:
    def __init__(self, layers: list[_Layer]) -> None:
        self._layers = layers
        self.config_bytes = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [la.diff for la in layers]},
            }
        ).encode()
        self.manifest_bytes = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": mt.OCI_MANIFEST,
                "config": {
                    "mediaType": mt.OCI_CONFIG,
                    "digest": _sha(self.config_bytes),
                    "size": len(self.config_bytes),
                },
                "layers": [la.descriptor.to_json() for la in layers],
            },
            indent=3,
        ).encode()

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_bytes(self.manifest_bytes)

    @property
    def config(self) -> ImageConfig:
        return ImageConfig.from_bytes(self.config_bytes)

    def layers(self) -> list[_Layer]:
        return self._layers


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Engine.open(root=tmp_path / "root", runroot=tmp_path / "run")


def test_store_image_keeps_bytes_and_unpacks(engine: Engine) -> None:
    layers = [_Layer(_tar("a", b"one")), _Layer(_tar("b", b"two"))]
    image = _Image(layers)
    rec = store_image(
        engine, image, names=["example.com/x:1"], digests=["example.com/x@sha256:" + "0" * 64]
    )
    assert engine.store.blobs.read(rec.manifest_digest) == image.manifest_bytes
    assert rec.id == _sha(image.config_bytes)
    for la in layers:
        assert engine.store.blobs.has(la.digest) and engine.store.layers.has(la.diff)
    assert (engine.store.layers.path(layers[1].diff) / "b").read_bytes() == b"two"


def test_store_image_resumes_from_verified_layers(engine: Engine) -> None:
    good = _Layer(_tar("a", b"one"))
    bad = _Layer(_tar("b", b"two" * 1000), corrupt=True)
    with pytest.raises(DigestMismatch):
        store_image(engine, _Image([good, bad]))
    assert engine.store.blobs.has(good.digest) and not engine.store.blobs.has(bad.digest)
    assert list(engine.store.images) == []
    bad.corrupt = False
    store_image(engine, _Image([good, bad]))
    assert good.opened == 1 and bad.opened == 2


def test_store_image_unpacks_a_blob_left_without_its_layer(engine: Engine) -> None:
    layer = _Layer(_tar("a", b"one"))
    engine.root.ensure()
    engine.store.blobs.put(layer.blob, layer.digest)
    store_image(engine, _Image([layer]))
    assert layer.opened == 0 and engine.store.layers.has(layer.diff)


def test_candidates_qualified_alias_and_search() -> None:
    conf = RegistriesConf(
        unqualified_search=("a.example", "b.example"),
        short_name_mode="permissive",
        aliases=(("web", "c.example/team/web"),),
    )
    assert pull_candidates(Reference.parse("q.example/x:1"), conf) == [
        Reference.parse("q.example/x:1")
    ]
    assert [str(c) for c in pull_candidates(Reference.parse("web:2"), conf)] == [
        "c.example/team/web:2"
    ]
    assert [c.domain for c in pull_candidates(Reference.parse("x"), conf)] == [
        "a.example",
        "b.example",
    ]
    assert pull_candidates(Reference.parse("x"), RegistriesConf())[0].domain == "docker.io"


def test_enforcing_with_several_candidates_and_no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())
    conf = RegistriesConf(unqualified_search=("a.example", "b.example"))
    with pytest.raises(InvalidArgument, match="enforcing"):
        pull_candidates(Reference.parse("x"), conf)


def test_with_context_keeps_class_and_fields() -> None:
    err = with_context(Unauthorized("unauthorized: x", code="UNAUTHORIZED", status=401), "ctx")
    assert isinstance(err, Unauthorized) and str(err) == "ctx: unauthorized: x"
    assert err.status == 401 and err.exit_code == 125
    temp = with_context(RegistryError("boom", status=503, temporary=True), "p")
    assert isinstance(temp, RegistryError) and temp.temporary
    other = with_context(DigestMismatch("a", "b"), "p")
    assert isinstance(other, DigestMismatch) and other.expected == "a"
    assert str(other) == "p: blob digest mismatch: expected a, got b"
