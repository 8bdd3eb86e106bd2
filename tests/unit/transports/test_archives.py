"""docker-archive, oci-archive, oci layout and dir: writing, reading, load plans, errors."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
from archive_images import MemImage, MemIndex, compress, layer_tar, make_image, sha

from pallet.errors import DigestMismatch, ImageNotFound, InvalidArchive
from pallet.image.protocol import Image, ImageIndex
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.platform import Platform
from pallet.transports import dir as dir_transport
from pallet.transports import docker_archive, layout, oci_archive
from pallet.transports.load_plan import archive_kind, plan_from_members

BASE = layer_tar({"bin/sh": b"#!shell\n" * 100})
TOP = layer_tar({"etc/motd": b"hello\n"})


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write_docker(path: Path, images: list[tuple[MemImage, list[str]]]) -> Path:
    with path.open("wb") as out:
        docker_archive.write(out, images)
    return path


# --- docker-archive ----------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_docker_archive_round_trip(tmp_path: Path, compression: str) -> None:
    image = make_image([BASE, TOP], compression)
    path = write_docker(tmp_path / "a.tar", [(image, ["docker.io/library/demo:1"])])
    files = members(path)
    # layers are stored uncompressed, named by diffID, as podman writes them
    assert files[f"{sha(BASE)[7:]}.tar"] == BASE
    assert files[f"{sha(TOP)[7:]}.tar"] == TOP
    manifest = json.loads(files["manifest.json"])
    assert manifest[0]["RepoTags"] == ["docker.io/library/demo:1"]
    assert json.loads(files["repositories"])["docker.io/library/demo"]["1"]
    [(read, names)] = docker_archive.read(path)
    assert names == ["docker.io/library/demo:1"]
    assert read.config_bytes == image.config_bytes
    assert read.manifest.config.digest == image.manifest.config.digest
    assert read.manifest.config.media_type == mt.OCI_CONFIG
    assert [la.descriptor.media_type for la in read.layers()] == [mt.OCI_LAYER] * 2
    assert [la.diff_id for la in read.layers()] == [sha(BASE), sha(TOP)]
    assert [la.open().read() for la in read.layers()] == [BASE, TOP]
    # the synthesized manifest is stable
    assert docker_archive.read(path)[0][0].manifest_bytes == read.manifest_bytes


def test_docker_archive_shares_layers(tmp_path: Path) -> None:
    one, two = make_image([BASE]), make_image([BASE, TOP], "gzip", cmd="other")
    path = write_docker(tmp_path / "a.tar", [(one, ["example.com/a:1"]), (two, ["b:2", "c:3"])])
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert names.count(f"{sha(BASE)[7:]}.tar") == 1
    read = docker_archive.read(path)
    assert [n for _, n in read] == [
        ["example.com/a:1"],
        ["docker.io/library/b:2", "docker.io/library/c:3"],
    ]
    assert len(read[1][0].layers()) == 2


def test_docker_archive_write_checks_diff_id(tmp_path: Path) -> None:
    image = make_image([BASE], "gzip")
    [layer] = image.layers()
    bad = MemImage(image.config_bytes, [replace(layer, diff_id="sha256:" + "0" * 64)])
    with (tmp_path / "a.tar").open("wb") as out, pytest.raises(DigestMismatch):
        docker_archive.write(out, [(bad, [])])


def _legacy_archive(path: Path, layer_member: str, blob: bytes, tags: list[str]) -> bytes:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [sha(BASE)]},
        }
    ).encode()
    with tarfile.open(path, "w") as tar:
        add(tar, layer_member, blob)
        add(tar, f"{sha(config)[7:]}.json", config)
        entry = {"Config": f"{sha(config)[7:]}.json", "RepoTags": tags, "Layers": [layer_member]}
        add(tar, "manifest.json", json.dumps([entry]).encode())
    return config


def test_docker_archive_legacy_and_short_names(tmp_path: Path) -> None:
    config = _legacy_archive(tmp_path / "a.tar", "abc123/layer.tar", BASE, ["busybox:latest"])
    [(image, names)] = docker_archive.read(tmp_path / "a.tar")
    assert names == ["docker.io/library/busybox:latest"]
    assert image.manifest.config.digest == sha(config)
    assert image.layers()[0].open().read() == BASE


@pytest.mark.parametrize("how", ["gzip", "zstd"])
def test_docker_archive_compressed_layer_member(tmp_path: Path, how: str) -> None:
    blob, media = compress(BASE, how)
    _legacy_archive(tmp_path / "a.tar", f"{sha(BASE)[7:]}.tar.gz", blob, [])
    [(image, names)] = docker_archive.read(tmp_path / "a.tar")
    assert names == []
    [layer] = image.layers()
    assert layer.descriptor.media_type == media
    assert layer.descriptor.digest == sha(blob)
    assert layer.open().read() == blob


def test_docker_archive_compressed_archive_file(tmp_path: Path) -> None:
    path = write_docker(tmp_path / "a.tar", [(make_image([BASE]), ["x.io/y:1"])])
    (tmp_path / "a.tar.gz").write_bytes(gzip.compress(path.read_bytes()))
    [(image, names)] = docker_archive.read(tmp_path / "a.tar.gz")
    assert names == ["x.io/y:1"]
    assert image.layers()[0].open().read() == BASE


def test_docker25_archive_uses_stored_manifest(tmp_path: Path) -> None:
    image = make_image([BASE])
    with (tmp_path / "o.tar").open("wb") as out:
        oci_archive.write(out, [(image, ["docker.io/library/demo:1"])])
    files = members(tmp_path / "o.tar")
    with tarfile.open(tmp_path / "d25.tar", "w") as tar:
        for name, data in files.items():
            add(tar, name, data)
        cfg = image.manifest.config.digest[7:]
        entry = {
            "Config": f"blobs/sha256/{cfg}",
            "RepoTags": ["demo:1"],
            "Layers": [f"blobs/sha256/{sha(BASE)[7:]}"],
        }
        add(tar, "manifest.json", json.dumps([entry]).encode())
    [(read, names)] = docker_archive.read(tmp_path / "d25.tar")
    assert read.manifest_bytes == image.manifest_bytes
    assert names == ["docker.io/library/demo:1"]
    assert archive_kind(files) == "oci-archive"
    assert archive_kind([*files, "manifest.json"]) == "docker-archive"


def test_docker_archive_errors(tmp_path: Path) -> None:
    good = write_docker(tmp_path / "a.tar", [(make_image([BASE]), ["x.io/y:1"])])
    data = good.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:4000])
    with pytest.raises(InvalidArchive, match="truncated"):
        docker_archive.read(cut)
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"hello, this is not a tar file" * 40)
    with pytest.raises(InvalidArchive, match="invalid docker-archive"):
        docker_archive.read(junk)
    with pytest.raises(InvalidArchive, match="invalid docker-archive"):
        docker_archive.read(tmp_path / "absent.tar")
    missing = tmp_path / "missing.tar"
    with tarfile.open(missing, "w") as tar:
        entry = {"Config": "c.json", "RepoTags": [], "Layers": ["x.tar"]}
        add(tar, "manifest.json", json.dumps([entry]).encode())
    with pytest.raises(InvalidArchive, match=r"manifest\.json names missing file c\.json"):
        docker_archive.read(missing)
    # a layer whose bytes are not its diffID fails when read
    _legacy_archive(tmp_path / "bad.tar", "l.tar", TOP, [])
    [(image, _)] = docker_archive.read(tmp_path / "bad.tar")
    with pytest.raises(DigestMismatch):
        image.layers()[0].open().read()


# --- oci-archive and layout ----------------------------------------------------------------


def test_oci_archive_round_trip_keeps_digests(tmp_path: Path) -> None:
    image = make_image([BASE, TOP], "gzip")
    index = MemIndex({"amd64": make_image([BASE]), "arm64": make_image([TOP], arch="arm64")})
    path = tmp_path / "o.tar"
    with path.open("wb") as out:
        oci_archive.write(out, [(image, ["example.com/a:1", "example.com/a:2"]), (index, [])])
    idx = json.loads(members(path)["index.json"])
    assert [m.get("annotations", {}).get(layout.REF_NAME) for m in idx["manifests"]] == [
        "example.com/a:1",
        "example.com/a:2",
        None,
    ]
    [(read, names), (read_index, no_names)] = oci_archive.read(path)
    assert isinstance(read, Image) and isinstance(read_index, ImageIndex)
    assert names == ["example.com/a:1", "example.com/a:2"] and no_names == []
    assert read.manifest_bytes == image.manifest_bytes
    assert [la.open().read() for la in read.layers()] == [la.blob for la in image.layers()]
    assert read_index.index_bytes == index.index_bytes
    child = read_index.image(read_index.index.manifests[1])
    assert child.config.architecture == "arm64"


def test_layout_names_and_replace(tmp_path: Path) -> None:
    one, two = make_image([BASE]), make_image([TOP])
    layout.write(tmp_path / "l", one, "busybox")
    layout.write(tmp_path / "l", two, "other")
    layout.write(tmp_path / "l", two, "busybox")
    got = layout.read(tmp_path / "l", "busybox")
    assert isinstance(got, Image) and got.manifest_bytes == two.manifest_bytes
    assert json.loads((tmp_path / "l/oci-layout").read_bytes())["imageLayoutVersion"] == "1.0.0"
    with pytest.raises(ImageNotFound):
        layout.read(tmp_path / "l", "nope")
    layout.write_index(tmp_path / "m", MemIndex({"amd64": one, "arm64": two}), "multi")
    assert isinstance(layout.read(tmp_path / "m"), ImageIndex)


def test_entry_names() -> None:
    assert layout.entry_names(_d({layout.REF_NAME: "example.com/z:3"})) == ["example.com/z:3"]
    assert layout.entry_names(_d({layout.REF_NAME: "foo:1"})) == ["localhost/foo:1"]
    assert layout.entry_names(_d({layout.REF_NAME: "latest"})) == []
    both = {layout.REF_NAME: "latest", layout.CONTAINERD_NAME: "docker.io/library/busybox:latest"}
    assert layout.entry_names(_d(both)) == ["docker.io/library/busybox:latest"]
    assert layout.entry_names(_d({})) == []


def _d(ann: dict[str, str]) -> Descriptor:
    return Descriptor(mt.OCI_MANIFEST, sha(b""), 0, tuple(sorted(ann.items())))


def test_oci_archive_errors(tmp_path: Path) -> None:
    image = make_image([BASE])
    path = tmp_path / "o.tar"
    with path.open("wb") as out:
        oci_archive.write(out, [(image, ["x.io/a:1"])])
    files = members(path)
    cfg = f"blobs/sha256/{image.manifest.config.digest[7:]}"
    for name, change in ((cfg, b"{}"), ("index.json", None)):
        broken = tmp_path / "b.tar"
        with tarfile.open(broken, "w") as tar:
            for member, data in files.items():
                if member != name:
                    add(tar, member, data)
                elif change is not None:
                    add(tar, member, change)
        with pytest.raises((DigestMismatch, InvalidArchive)):
            oci_archive.read(broken)


# --- dir -----------------------------------------------------------------------------------


def test_dir_round_trip(tmp_path: Path) -> None:
    image = make_image([BASE, TOP], "zstd")
    dir_transport.write(tmp_path / "d", image)
    assert (tmp_path / "d/version").read_text() == "Directory Transport Version: 1.1\n"
    assert (tmp_path / "d" / image.manifest.config.digest[7:]).exists()
    read = dir_transport.read(tmp_path / "d")
    assert isinstance(read, Image) and read.manifest_bytes == image.manifest_bytes
    assert read.layers()[1].open().read() == image.layers()[1].blob
    (tmp_path / "d" / image.layers()[0].descriptor.digest[7:]).unlink()
    with pytest.raises(InvalidArchive, match="missing layer blob"):
        dir_transport.read(tmp_path / "d")


# --- load plans from streamed members ----------------------------------------------------


def stream_members(
    path: Path,
) -> tuple[dict[str, bytes], dict[str, str], dict[str, int], dict[str, bytes]]:
    """What the engine keeps after streaming an archive: small JSON, digests, sizes, blobs."""
    small, digests, sizes, blobs = {}, {}, {}, {}
    with tarfile.open(path, mode="r|*") as tar:
        for m in tar:
            if not m.isfile():
                continue
            data = tar.extractfile(m).read()  # type: ignore[union-attr]
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            digests[m.name], sizes[m.name], blobs[digest] = digest, m.size, data
            if m.name in ("manifest.json", "index.json", "repositories", "oci-layout"):
                small[m.name] = data
    return small, digests, sizes, blobs


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_plan_matches_reader(tmp_path: Path, fmt: str) -> None:
    image = make_image([BASE, TOP], "gzip")
    path = tmp_path / "a.tar"
    module = docker_archive if fmt == "docker-archive" else oci_archive
    with path.open("wb") as out:
        module.write(out, [(image, ["example.com/a:1"])])  # type: ignore[attr-defined]
    small, digests, sizes, blobs = stream_members(path)
    assert archive_kind(digests) == fmt
    [plan] = plan_from_members(
        small,
        digests,
        read_blob=blobs.__getitem__,
        member_sizes=sizes,
        blob_head=lambda d: blobs[d][:6],
    )
    [(read, names)] = module.read(path)  # type: ignore[attr-defined]
    assert plan.manifest_bytes == read.manifest_bytes
    assert plan.config_digest == read.manifest.config.digest
    assert plan.layer_digests == [la.descriptor.digest for la in read.layers()]
    assert plan.names == names == ["example.com/a:1"]


def test_plan_picks_platform_and_reports_missing(tmp_path: Path) -> None:
    index = MemIndex({"amd64": make_image([BASE]), "arm64": make_image([TOP], arch="arm64")})
    path = tmp_path / "o.tar"
    with path.open("wb") as out:
        oci_archive.write(out, [(index, ["example.com/multi:1"])])
    small, digests, _sizes, blobs = stream_members(path)
    [plan] = plan_from_members(
        small, digests, read_blob=blobs.__getitem__, platform=Platform("linux", "arm64")
    )
    assert plan.layer_digests == [sha(TOP)]
    del digests[f"blobs/sha256/{sha(TOP)[7:]}"]
    with pytest.raises(InvalidArchive, match="missing blob"):
        plan_from_members(
            small, digests, read_blob=blobs.__getitem__, platform=Platform("linux", "arm64")
        )
    digests["blobs/sha256/" + "0" * 64] = sha(TOP)
    with pytest.raises(DigestMismatch):
        plan_from_members(small, digests, read_blob=blobs.__getitem__)
    with pytest.raises(InvalidArchive, match=r"manifest\.json names missing file"):
        plan_from_members(
            {"manifest.json": b'[{"Config":"c.json","Layers":[]}]'}, {}, read_blob=blobs.__getitem__
        )
