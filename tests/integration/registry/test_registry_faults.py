"""Faults between pallet and a real registry: corrupted bytes, cut connections, 500s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_images import MemSink, make_image

from pallet.errors import DigestMismatch, RegistryError
from pallet.oci.reference import Reference
from pallet.testing.faultproxy import FaultProxy
from pallet.testing.registry import LocalRegistry
from pallet.transports.config.registries import RegistriesConf
from pallet.transports.registry import RegistryOptions, read_image, write

pytestmark = pytest.mark.registry


@pytest.fixture
def proxy(plain_registry: LocalRegistry) -> Iterator[FaultProxy]:
    with FaultProxy(plain_registry.host) as p:
        yield p


def _opts(tmp_path: Path, **kw: object) -> RegistryOptions:
    return RegistryOptions(
        tls_verify=False,
        registries_conf=RegistriesConf(),
        backoff=0.01,
        auth_file=str(tmp_path / "none.json"),
        **kw,
    )  # type: ignore[arg-type]


def _pushed(proxy: FaultProxy, tmp_path: Path, name: str) -> Reference:
    ref = Reference.parse(f"{proxy.host}/faults/{name}:v1")
    write(ref, make_image(name.encode()), _opts(tmp_path))
    return ref


def test_corrupted_byte_raises_and_commits_nothing(proxy: FaultProxy, tmp_path: Path) -> None:
    ref = _pushed(proxy, tmp_path, "corrupt")
    (layer,) = read_image(ref, _opts(tmp_path)).layers()
    proxy.corrupt_blobs(1)
    sink = MemSink()
    with pytest.raises(DigestMismatch) as err:
        layer.fetch(sink)
    assert sink.aborted and not sink.committed and not sink.buf
    assert err.value.exit_code == 125
    assert layer.descriptor.digest in str(err.value)
    with pytest.raises(DigestMismatch), layer.open() as fh:  # the streaming reader too
        proxy.corrupt_blobs(1)
        fh.read()


def test_cut_mid_blob_resumes_with_range(proxy: FaultProxy, tmp_path: Path) -> None:
    ref = _pushed(proxy, tmp_path, "cut")
    image = read_image(ref, _opts(tmp_path))
    (layer,) = image.layers()
    proxy.cut_blobs(2)
    proxy.requests.clear()
    sink = MemSink()
    layer.fetch(sink)
    assert sink.committed and not sink.aborted
    assert len(sink.buf) == layer.descriptor.size
    ranges = [h.get("Range", "") for m, p, h in proxy.requests if "/blobs/" in p]
    assert ranges[0] == "" and all(r.startswith("bytes=") for r in ranges[1:])
    assert len(ranges) == 3


def test_cut_too_often_gives_up(proxy: FaultProxy, tmp_path: Path) -> None:
    ref = _pushed(proxy, tmp_path, "cut-often")
    (layer,) = read_image(ref, _opts(tmp_path, retries=1)).layers()
    proxy.cut_blobs(5)
    sink = MemSink()
    with pytest.raises(RegistryError, match="connection lost") as err:
        layer.fetch(sink)
    assert err.value.temporary and sink.aborted and not sink.committed


def test_500s_are_retried_then_reported(proxy: FaultProxy, tmp_path: Path) -> None:
    ref = _pushed(proxy, tmp_path, "five-hundred")
    proxy.fail(500, 2, "/manifests/")
    assert read_image(ref, _opts(tmp_path)).manifest_bytes
    proxy.fail(500, 10, "/manifests/")
    with pytest.raises(RegistryError) as err:
        read_image(ref, _opts(tmp_path, retries=2))
    assert str(err.value).endswith("received unexpected HTTP status: 500 Internal Server Error")
    assert err.value.status == 500 and err.value.temporary


def test_chunked_upload_follows_locations(proxy: FaultProxy, tmp_path: Path) -> None:
    opts = _opts(tmp_path, chunk_size=64 * 1024)
    img = make_image(b"chunked")
    ref = Reference.parse(f"{proxy.host}/faults/chunked:v1")
    proxy.requests.clear()
    assert write(ref, img, opts) == img.digest
    patches = [p for m, p, h in proxy.requests if m == "PATCH"]
    size = img.layers()[0].descriptor.size
    assert len(patches) == -(-size // (64 * 1024))
    assert all("_state=" in p for p in patches)  # each PATCH went to the latest Location
    got = read_image(ref, opts)
    sink = MemSink()
    got.layers()[0].fetch(sink)
    assert bytes(sink.buf) == img.layers()[0].blob
