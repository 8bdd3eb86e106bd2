"""write_tree: determinism, overlay upper conversion, and the round trip through extract_layer."""

from __future__ import annotations

import io
import os
import socket
import stat
import tarfile
from pathlib import Path

import pytest

from pallet.archive import extract_layer, write_tree

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
CAPABILITY = bytes.fromhex("0100000200200000000000000000000000000000")


def tar_of(src: Path, **kw: object) -> bytes:
    out = io.BytesIO()
    write_tree(src, out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        return tar.getmembers()


def make_tree(root: Path, order: int = 1) -> None:
    """A tree with every kind of entry; ``order`` flips the order things are created in."""
    root.mkdir()
    names = ["b", "a", "c"][::order]
    for name in names:
        (root / name).mkdir()
        (root / name / "file").write_bytes(name.encode() * 1000)
    (root / "a/setuid").write_bytes(b"#!/bin/sh\n")
    os.chmod(root / "a/setuid", 0o4755)
    os.symlink("../b/file", root / "a/link")
    os.link(root / "a/file", root / "c/hard")
    os.mkfifo(root / "c/fifo")
    os.setxattr(root / "b/file", "user.note", b"\xffbinary\x00")
    (root / ("long-" + "x" * 150)).write_bytes(b"long")
    if os.geteuid() == 0:
        os.setxattr(root / "a/setuid", "security.capability", CAPABILITY)
        os.chown(root / "c/file", 1234, 5678)
        os.mknod(root / "c/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.chmod(root / "a/setuid", 0o4755)  # chown and the capability may clear it
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(
            path, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000), follow_symlinks=False
        )


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    for path in root.rglob("*"):
        st = os.lstat(path)
        content: object = None
        if stat.S_ISREG(st.st_mode):
            content = path.read_bytes()
        elif stat.S_ISLNK(st.st_mode):
            content = os.readlink(path)
        xattrs = {
            n: os.getxattr(path, n, follow_symlinks=False)
            for n in os.listxattr(path, follow_symlinks=False)
        }
        found[str(path.relative_to(root))] = (
            st.st_mode,
            st.st_uid,
            st.st_gid,
            st.st_mtime,
            st.st_rdev,
            st.st_nlink,
            content,
            xattrs,
        )
    return found


def test_round_trip(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")
    dest = tmp_path / "dest"
    extract_layer(io.BytesIO(tar_of(tmp_path / "src")), dest, mode="apply")
    assert snapshot(dest) == snapshot(tmp_path / "src")
    assert os.lstat(dest / "c/hard").st_ino == os.lstat(dest / "a/file").st_ino


def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    make_tree(tmp_path / "one", order=1)
    make_tree(tmp_path / "two", order=-1)
    assert tar_of(tmp_path / "one") == tar_of(tmp_path / "one")
    assert tar_of(tmp_path / "one") == tar_of(tmp_path / "two")


def test_headers_are_sorted_numeric_pax(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")
    data = tar_of(tmp_path / "src")
    entries = members(data)
    names = [m.name for m in entries]
    assert names[:3] == ["a", "a/file", "a/link"]
    assert all(m.uname == "" and m.gname == "" for m in entries)
    assert next(m for m in entries if m.name == "c/hard").islnk()
    assert next(m for m in entries if m.name == "c/hard").linkname == "a/file"
    assert next(m for m in entries if m.name.startswith("long-")).pax_headers["path"]
    xattr = next(m for m in entries if m.name == "b/file").pax_headers["SCHILY.xattr.user.note"]
    assert xattr.encode("utf-8", "surrogateescape") == b"\xffbinary\x00"
    assert len(data) % 512 == 0 and data.endswith(bytes(1024))


def test_mtime_is_clamped(tmp_path: Path) -> None:
    make_tree(tmp_path / "src")
    os.utime(tmp_path / "src/b/file", (100, 100))
    entries = members(tar_of(tmp_path / "src", mtime=1_000_000))
    assert {m.mtime for m in entries} == {100, 1_000_000}


def test_sockets_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "src/sock"))
        assert members(tar_of(tmp_path / "src")) == []


def make_upper(root: Path) -> None:
    """An overlayfs upper dir: two whiteouts sharing one inode, and an opaque directory."""
    (root / "etc").mkdir(parents=True)
    os.mknod(root / "etc/shadow", stat.S_IFCHR, os.makedev(0, 0))
    os.link(root / "etc/shadow", root / "etc/passwd")
    (root / "var/cache").mkdir(parents=True)
    os.setxattr(root / "var/cache", "trusted.overlay.opaque", b"y")
    os.setxattr(root / "var/cache", "trusted.overlay.origin", b"\x00\x01")
    (root / "var/cache/new").write_bytes(b"n")


@needs_root
def test_overlay_upper_becomes_an_oci_layer(tmp_path: Path) -> None:
    make_upper(tmp_path / "upper")
    entries = members(tar_of(tmp_path / "upper", from_overlay_upper=True))
    assert [m.name for m in entries] == [
        "etc",
        "etc/.wh.passwd",
        "etc/.wh.shadow",
        "var",
        "var/cache",
        "var/cache/.wh..wh..opq",
        "var/cache/new",
    ]
    whiteouts = [m for m in entries if ".wh." in m.name]
    assert all(m.isreg() and m.size == 0 for m in whiteouts)
    assert not any("overlay" in key for m in entries for key in m.pax_headers)


@needs_root
def test_overlay_upper_kept_as_is_without_the_flag(tmp_path: Path) -> None:
    make_upper(tmp_path / "upper")
    entries = {m.name: m for m in members(tar_of(tmp_path / "upper"))}
    assert entries["etc/passwd"].ischr() and entries["etc/shadow"].islnk()
    assert not any(".wh." in name for name in entries)


@needs_root
def test_overlay_round_trip(tmp_path: Path) -> None:
    make_upper(tmp_path / "upper")
    layer = tar_of(tmp_path / "upper", from_overlay_upper=True)
    extract_layer(io.BytesIO(layer), tmp_path / "lower", mode="overlay")
    for name in ("etc/passwd", "etc/shadow"):
        st = os.lstat(tmp_path / "lower" / name)
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert os.getxattr(tmp_path / "lower/var/cache", "trusted.overlay.opaque") == b"y"
    assert os.listxattr(tmp_path / "lower/var/cache") == ["trusted.overlay.opaque"]
    again = members(tar_of(tmp_path / "lower", from_overlay_upper=True))
    assert [m.name for m in again] == [m.name for m in members(layer)]
