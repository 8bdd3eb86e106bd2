"""Push and pull against a real docker-registry (plain HTTP and TLS + htpasswd)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from registry_images import MemIndex, MemSink, make_image, sha

from pallet.errors import RegistryError, Unauthorized
from pallet.oci.platform import Platform
from pallet.oci.reference import Reference
from pallet.testing.registry import LocalRegistry
from pallet.transports.config.registries import RegistriesConf
from pallet.transports.registry import (
    RegistryClient,
    RegistryOptions,
    RemoteImage,
    RemoteIndex,
    list_tags,
    login,
    logout,
    read,
    read_image,
    write,
    write_index,
)

pytestmark = pytest.mark.registry

USER, PASSWORD = "tester", "s3cret"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []

    def started(self, digest: str, size: int) -> None:
        self.events.append(("started", digest, size))

    def advanced(self, digest: str, done: int) -> None:
        self.events.append(("advanced", digest, done))

    def finished(self, digest: str, status: str) -> None:
        self.events.append(("finished", digest, status))

    def statuses(self) -> dict[str, object]:
        return {d: s for kind, d, s in self.events if kind == "finished"}


def plain_opts(tmp_path: Path, **kw: object) -> RegistryOptions:
    return RegistryOptions(
        tls_verify=False,
        registries_conf=RegistriesConf(),
        auth_file=str(tmp_path / "none.json"),
        backoff=0.01,
        **kw,
    )  # type: ignore[arg-type]


def tls_opts(reg: LocalRegistry, tmp_path: Path, **kw: object) -> RegistryOptions:
    return RegistryOptions(
        certs_dir=str(reg.certs_dir),
        credentials=(USER, PASSWORD),
        registries_conf=RegistriesConf(),
        backoff=0.01,
        auth_file=str(tmp_path / "none.json"),
        **kw,
    )  # type: ignore[arg-type]


def test_push_then_pull_round_trip(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    img = make_image(b"round-trip")
    ref = Reference.parse(f"{plain_registry.host}/test/roundtrip:v1")
    rec = Recorder()
    digest = write(ref, img, opts, rec)
    assert digest == img.digest
    assert set(rec.statuses().values()) == {"done"}
    got = read_image(ref, opts)
    assert isinstance(got, RemoteImage)
    assert got.manifest_bytes == img.manifest_bytes
    assert got.digest == img.digest
    assert got.config_bytes == img.config_bytes
    (layer,) = got.layers()
    assert layer.diff_id == img.layers()[0].diff
    sink = MemSink()
    layer.fetch(sink)
    assert sink.committed and bytes(sink.buf) == img.layers()[0].blob
    with layer.open() as fh:
        assert sha(fh.read()) == layer.descriptor.digest
    # pulling by digest gives the same bytes
    by_digest = read_image(ref.with_digest(digest), opts)
    assert by_digest.manifest_bytes == img.manifest_bytes


def test_repush_skips_existing_blobs(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    img = make_image(b"skip")
    ref = Reference.parse(f"{plain_registry.host}/test/skip:v1")
    write(ref, img, opts)
    rec = Recorder()
    write(ref.with_tag("v2"), img, opts, rec)
    assert set(rec.statuses().values()) == {"exists"}
    assert not [e for e in rec.events if e[0] == "advanced"]


def test_cross_repository_mount(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    img = make_image(b"mount")
    src = Reference.parse(f"{plain_registry.host}/test/mount-src:v1")
    write(src, img, opts)
    remote = read_image(src, opts)
    rec = Recorder()
    dst = Reference.parse(f"{plain_registry.host}/test/mount-dst:v1")
    digest = write(dst, remote, opts, rec)
    assert digest == img.digest
    layer_digest = img.layers()[0].descriptor.digest
    assert rec.statuses()[layer_digest] == "mounted"
    assert read_image(dst, opts).manifest_bytes == img.manifest_bytes


def test_tag_listing_with_pagination(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    img = make_image(b"tags")
    ref = Reference.parse(f"{plain_registry.host}/test/tags:a")
    for tag in ("a", "b", "c"):
        write(ref.with_tag(tag), img, opts)
    assert sorted(list_tags(ref, opts)) == ["a", "b", "c"]
    client = RegistryClient(plain_registry.host, opts)
    assert sorted(client.list_tags("test/tags", page_size=1)) == ["a", "b", "c"]


def test_manifest_list_platform_selection(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    amd = make_image(b"amd64", arch="amd64")
    arm = make_image(b"arm64", arch="arm64", variant="v8")
    index = MemIndex([amd, arm])
    ref = Reference.parse(f"{plain_registry.host}/test/multi:latest")
    digest = write_index(ref, index, opts)
    assert digest == sha(index.index_bytes)
    got = read(ref, opts)
    assert isinstance(got, RemoteIndex)
    assert got.index_bytes == index.index_bytes
    chosen = read_image(ref, opts, Platform.parse("linux/arm64"))
    assert chosen.digest == arm.digest
    assert chosen.config.architecture == "arm64"
    via_opts = read_image(ref, replace(opts, platform=Platform.parse("linux/amd64")))
    assert via_opts.digest == amd.digest
    with pytest.raises(RegistryError, match="no image found in image index"):
        read_image(ref, opts, Platform.parse("linux/s390x"))


def test_missing_tag_and_unknown_repo(plain_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = plain_opts(tmp_path)
    write(Reference.parse(f"{plain_registry.host}/test/present:v1"), make_image(b"p"), opts)
    with pytest.raises(RegistryError) as err:
        read(Reference.parse(f"{plain_registry.host}/test/present:nope"), opts)
    assert str(err.value).endswith("manifest unknown")
    assert err.value.code == "MANIFEST_UNKNOWN" and err.value.exit_code == 125
    unknown = Reference.parse(f"{plain_registry.host}/test/never-pushed:v1")
    with pytest.raises(RegistryError, match=r"manifest unknown$"):
        read(unknown, opts)  # distribution 2.8 says MANIFEST_UNKNOWN for an unknown repo too
    with pytest.raises(RegistryError) as err2:
        list_tags(unknown, opts)
    assert str(err2.value).endswith("name unknown: repository name not known to registry")
    assert "\n" not in str(err2.value)


def test_tls_htpasswd_push_pull(tls_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = tls_opts(tls_registry, tmp_path)
    img = make_image(b"tls")
    ref = Reference.parse(f"{tls_registry.host}/secure/img:v1")
    assert write(ref, img, opts) == img.digest
    assert read_image(ref, opts).manifest_bytes == img.manifest_bytes


def test_tls_wrong_password(tls_registry: LocalRegistry, tmp_path: Path) -> None:
    opts = replace(tls_opts(tls_registry, tmp_path), credentials=(USER, "wrong"))
    with pytest.raises(Unauthorized) as err:
        read(Reference.parse(f"{tls_registry.host}/secure/img:v1"), opts)
    assert str(err.value).endswith("unauthorized: authentication required")
    assert err.value.exit_code == 125


def test_tls_unknown_ca_fails_unless_verification_is_off(
    tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    opts = replace(tls_opts(tls_registry, tmp_path), certs_dir=str(tmp_path / "empty"), retries=0)
    ref = Reference.parse(f"{tls_registry.host}/secure/img:v1")
    write(ref, make_image(b"tls"), tls_opts(tls_registry, tmp_path))
    with pytest.raises(RegistryError, match="certificate verify failed"):
        read(ref, opts)
    assert isinstance(read(ref, replace(opts, tls_verify=False)), RemoteImage)


def test_login_writes_auth_file_and_logout(tls_registry: LocalRegistry, tmp_path: Path) -> None:
    auth = tmp_path / "run" / "containers" / "auth.json"
    opts = replace(tls_opts(tls_registry, tmp_path), credentials=None, auth_file=str(auth))
    with pytest.raises(Unauthorized):
        login(tls_registry.host, USER, "wrong", opts)
    assert not auth.exists()
    assert login(tls_registry.host, USER, PASSWORD, opts) == auth
    assert stat.S_IMODE(os.stat(auth).st_mode) == 0o600
    ref = Reference.parse(f"{tls_registry.host}/secure/login:v1")
    assert write(ref, make_image(b"login"), opts)  # credentials come from the auth file
    assert logout(tls_registry.host, str(auth))
    assert not logout(tls_registry.host, str(auth))
    with pytest.raises(Unauthorized):
        read(ref, opts)
