"""extract_layer: metadata, links, whiteouts, formats, and broken input."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
from archive_tarmaker import TarMaker

from pallet.archive import (
    Compression,
    ExtractMode,
    HashingReader,
    extract_layer,
    open_compressor,
    open_decompressed,
)
from pallet.errors import InvalidArchive

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root")
CAPABILITY = bytes.fromhex("0100000200200000000000000000000000000000")  # cap_net_bind_service


def extract(data: bytes, dest: Path, mode: ExtractMode = "apply", **kw: bool):  # type: ignore[no-untyped-def]
    return extract_layer(io.BytesIO(data), dest, mode=mode, **kw)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@needs_root
def test_metadata_is_preserved(tmp_path: Path) -> None:
    data = (
        TarMaker()
        .dir("bin", mode=0o755, uid=0, gid=0, mtime=1_000_000)
        .file("bin/su", b"#!", mode=0o4755, uid=0, gid=0, mtime=1_234_567)
        .file(
            "bin/ping",
            b"p",
            mode=0o755,
            pax_headers={
                "SCHILY.xattr.security.capability": CAPABILITY.decode("utf-8", "surrogateescape")
            },
        )
        .dir("home/user", mode=0o2750, uid=1234, gid=5678, mtime=2_000_000)
        .file("home/user/f", b"data", mode=0o600, uid=1234, gid=5678, mtime=3_000_000)
        .file(
            "home/user/x",
            b"",
            pax_headers={"SCHILY.xattr.user.k": "v\udcff\x00", "mtime": "1700000000.123456789"},
        )
        .symlink("home/user/l", "f", uid=1234, gid=5678, mtime=4_000_000)
        .bytes()
    )
    dest = tmp_path / "d"
    extract(data, dest)
    su = os.lstat(dest / "bin/su")
    assert stat.S_IMODE(su.st_mode) == 0o4755 and su.st_mtime == 1_234_567
    assert os.getxattr(dest / "bin/ping", "security.capability") == CAPABILITY
    home = os.lstat(dest / "home/user")
    assert (stat.S_IMODE(home.st_mode), home.st_uid, home.st_gid) == (0o2750, 1234, 5678)
    assert home.st_mtime == 2_000_000  # set after its children were written
    assert os.lstat(dest / "bin").st_mtime == 1_000_000
    f = os.lstat(dest / "home/user/f")
    assert (stat.S_IMODE(f.st_mode), f.st_uid, f.st_gid, f.st_mtime) == (
        0o600,
        1234,
        5678,
        3_000_000,
    )
    x = os.lstat(dest / "home/user/x")
    assert x.st_mtime_ns == 1_700_000_000_123_456_789
    assert os.getxattr(dest / "home/user/x", "user.k") == b"v\xff\x00"
    link = os.lstat(dest / "home/user/l")
    assert (link.st_uid, link.st_gid, link.st_mtime) == (1234, 5678, 4_000_000)


def test_no_chown_keeps_our_owner(tmp_path: Path) -> None:
    extract(TarMaker().file("f", b"", uid=4321, gid=4321).bytes(), tmp_path / "d", chown=False)
    assert os.lstat(tmp_path / "d/f").st_uid == os.geteuid()


def test_read_only_directories_are_filled_before_their_mode_is_set(tmp_path: Path) -> None:
    data = TarMaker().dir("ro", mode=0o555).file("ro/f", b"x").bytes()
    extract(data, tmp_path / "d", chown=False)
    assert stat.S_IMODE(os.lstat(tmp_path / "d/ro").st_mode) == 0o555
    assert (tmp_path / "d/ro/f").read_bytes() == b"x"


def test_result_counts(tmp_path: Path) -> None:
    data = (
        TarMaker()
        .dir("d")
        .file("d/a", b"12345")
        .file("d/b", b"678")
        .hardlink("d/c", "d/a")
        .symlink("s", "d")
        .raw("weird", b"Z", b"payload")
        .file("after", b"!")
        .bytes()
    )
    result = extract(data, tmp_path / "d")
    assert (result.files, result.bytes, result.entries) == (4, 9, 6)
    assert result.skipped == ("weird",)
    assert (tmp_path / "d/after").read_bytes() == b"!"  # the unknown member's data was skipped


def test_hardlinks_within_the_archive(tmp_path: Path) -> None:
    extract(TarMaker().file("a/one", b"shared").hardlink("b/two", "a/one").bytes(), tmp_path / "d")
    one, two = os.lstat(tmp_path / "d/a/one"), os.lstat(tmp_path / "d/b/two")
    assert one.st_ino == two.st_ino and one.st_nlink == 2


def test_parent_directories_are_made_when_missing(tmp_path: Path) -> None:
    extract(TarMaker().file("deep/er/file", b"x").bytes(), tmp_path / "d")
    assert (tmp_path / "d/deep/er/file").read_bytes() == b"x"


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_and_link_names(tmp_path: Path, fmt: int) -> None:
    long_dir = "/".join(["segment-of-a-long-path"] * 12)
    data = (
        TarMaker(fmt)
        .file(f"{long_dir}/file-ünïcode", b"x")
        .symlink("l", f"{long_dir}/file-ünïcode")
        .hardlink(f"{long_dir}/hard", f"{long_dir}/file-ünïcode")
        .bytes()
    )
    extract(data, tmp_path / "d")
    assert (tmp_path / "d/l").read_bytes() == b"x"
    assert os.lstat(tmp_path / f"d/{long_dir}/hard").st_nlink == 2


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")
@pytest.mark.parametrize("fmt", ["gnu", "posix"])
def test_sparse_files(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "sparse", "wb") as f:
        f.write(b"head")
        f.seek(64 << 20)
        f.write(b"tail")
    archive = subprocess.run(
        ["tar", "-C", str(src), f"--format={fmt}", "--sparse", "-cf", "-", "sparse"],
        capture_output=True,
        check=True,
    ).stdout
    assert len(archive) < 1 << 20
    extract(archive, tmp_path / "d")
    out = tmp_path / "d/sparse"
    assert out.stat().st_size == (64 << 20) + 4
    with open(out, "rb") as f:
        assert f.read(4) == b"head"
        f.seek(64 << 20)
        assert f.read() == b"tail"
    assert out.stat().st_blocks * 512 < 1 << 20  # the hole stayed a hole


def test_whiteouts_in_apply_mode(tmp_path: Path) -> None:
    dest = tmp_path / "d"
    lower = TarMaker().file("gone", b"1").file("dir/old", b"2").file("keep", b"3")
    lower.file("opq/old", b"4").file("opq/sub/old", b"5").dir("gonedir").file("gonedir/x")
    extract(lower.bytes(), dest)
    upper = (
        TarMaker()
        .file(".wh.gone")
        .file("dir/new", b"n")
        .file("dir/.wh.new")  # a layer's whiteout never hides that same layer's files
        .file("opq/new", b"n")
        .file("opq/sub/new", b"n")
        .file("opq/.wh..wh..opq")
        .file(".wh.gonedir")
        .file(".wh.never-existed")
        .bytes()
    )
    extract(upper, dest)
    assert tree(dest) == [
        "dir",
        "dir/new",
        "dir/old",
        "keep",
        "opq",
        "opq/new",
        "opq/sub",
        "opq/sub/new",
    ]


def test_opaque_whiteout_first_in_apply_mode(tmp_path: Path) -> None:
    dest = tmp_path / "d"
    extract(TarMaker().file("etc/a").file("etc/b").bytes(), dest)
    extract(TarMaker().dir("etc").file("etc/.wh..wh..opq").file("etc/c").bytes(), dest)
    assert tree(dest) == ["etc", "etc/c"]


def test_whiteouts_in_overlay_mode(tmp_path: Path) -> None:
    dest = tmp_path / "layer"
    data = (
        TarMaker()
        .dir("etc")
        .file("etc/.wh.passwd", uid=0, gid=0)
        .file("etc/kept", b"k")
        .file("etc/.wh.kept")  # same layer: the file stays, no device
        .file("opq/.wh..wh..opq")
        .file("opq/new", b"n")
        .bytes()
    )
    result = extract(data, dest, mode="overlay")
    white = os.lstat(dest / "etc/passwd")
    assert stat.S_ISCHR(white.st_mode) and white.st_rdev == os.makedev(0, 0)
    assert (dest / "etc/kept").read_bytes() == b"k"
    assert os.getxattr(dest / "opq", "trusted.overlay.opaque") == b"y"
    assert not list(dest.rglob(".wh.*"))
    assert tree(dest) == ["etc", "etc/kept", "etc/passwd", "opq", "opq/new"]
    assert result.entries == 6


def test_overlay_xattrs_from_the_archive_are_dropped(tmp_path: Path) -> None:
    data = TarMaker().dir("d", pax_headers={"SCHILY.xattr.trusted.overlay.opaque": "y"}).bytes()
    extract(data, tmp_path / "l", mode="overlay")
    assert "trusted.overlay.opaque" not in os.listxattr(tmp_path / "l/d")


@pytest.mark.parametrize("data", [b"", bytes(1024), bytes(10240)])
def test_empty_archives(tmp_path: Path, data: bytes) -> None:
    result = extract(data, tmp_path / "d")
    assert (result.entries, tree(tmp_path / "d")) == (0, [])


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"hello, this is not a tar file\n" * 40, "not a tar archive$"),
        (os.urandom(4096), "not a tar archive"),
        (b"short", "not a tar archive"),
        (b"\x1f\x8b\x08" + bytes(600), r"not a tar archive \(gzip-compressed"),
    ],
)
def test_not_a_tar(tmp_path: Path, data: bytes, hint: str) -> None:
    with pytest.raises(InvalidArchive, match=hint):
        extract(data, tmp_path / "d")


def sample_tar() -> bytes:
    return (
        TarMaker()
        .file("a", os.urandom(3000))
        .file("b", os.urandom(70000))
        .dir("c")
        .file("c/d", b"x" * 512)
        .bytes()
    )


@pytest.mark.parametrize("cut", [100, 512, 700, 4000, 50000, 75000, 75700, 76000])
def test_truncated_tar(tmp_path: Path, cut: int) -> None:
    data = sample_tar()
    with pytest.raises(InvalidArchive, match="truncated") as error:
        extract(data[:cut], tmp_path / "d")
    assert "\n" not in str(error.value)


def test_tar_without_end_marker_is_accepted(tmp_path: Path) -> None:
    data = TarMaker().file("a", b"x" * 10).bytes()
    extract(data[:1024], tmp_path / "d")  # header + one data block, as Go's archive/tar allows
    assert (tmp_path / "d/a").read_bytes() == b"x" * 10


def test_corrupt_header_in_the_middle(tmp_path: Path) -> None:
    data = bytearray(sample_tar())
    data[3584 : 3584 + 512] = b"\xff" * 512  # the header of "b"
    with pytest.raises(InvalidArchive, match="corrupt"):
        extract(bytes(data), tmp_path / "d")


@pytest.mark.parametrize("kind", [c for c in Compression if c is not Compression.NONE])
def test_truncated_compressed_layer(tmp_path: Path, kind: Compression) -> None:
    out = io.BytesIO()
    writer = open_compressor(out, kind)
    writer.write(sample_tar())
    writer.close()
    data = out.getvalue()
    for cut in (len(data) // 2, len(data) - 3):
        stream = open_decompressed(io.BytesIO(data[:cut]))
        with pytest.raises(InvalidArchive, match="truncated"):
            extract_layer(stream, tmp_path / f"d{cut}", mode="overlay")


def test_hash_covers_the_whole_stream(tmp_path: Path) -> None:
    data = sample_tar() + bytes(8192)  # record padding beyond the end-of-archive marker
    reader = HashingReader(io.BytesIO(data))  # type: ignore[arg-type]
    extract_layer(reader, tmp_path / "d", mode="overlay")  # type: ignore[arg-type]
    assert reader.size == len(data)
    assert reader.digest == "sha256:" + hashlib.sha256(data).hexdigest()


def test_compressed_pipeline_with_diffid(tmp_path: Path) -> None:
    data = sample_tar()
    out = io.BytesIO()
    writer = open_compressor(out, Compression.ZSTD)
    writer.write(data)
    writer.close()
    reader = HashingReader(open_decompressed(io.BytesIO(out.getvalue())))
    result = extract_layer(reader, tmp_path / "d", mode="apply")  # type: ignore[arg-type]
    assert reader.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert result.bytes == 3000 + 70000 + 512


def test_unknown_mode_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="mode"):
        extract(sample_tar(), tmp_path / "d", mode="merge")  # type: ignore[arg-type]
