"""Hostile archives: nothing may be written outside the destination."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from archive_tarmaker import TarMaker

from pallet.archive import ExtractMode, extract_layer
from pallet.errors import InvalidArchive, UnsafeArchive

MODES: list[ExtractMode] = ["overlay", "apply"]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "root" / "dest"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the destination holding a file an attacker wants to reach."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret").write_text("precious")
    return path


def extract(data: bytes, dest: Path, mode: ExtractMode = "apply", **kw: bool) -> None:
    extract_layer(io.BytesIO(data), dest, mode=mode, **kw)


def assert_outside_untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_text() == "precious"
    assert os.lstat(outside / "secret").st_nlink == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["../outside/pwned", "a/../../pwned", "./../pwned", "../../x"])
def test_dotdot_escape_is_refused(dest: Path, outside: Path, name: str, mode: ExtractMode) -> None:
    with pytest.raises(UnsafeArchive, match="outside"):
        extract(TarMaker().file(name, b"evil").bytes(), dest, mode)
    assert not (dest.parent / "pwned").exists()
    assert not (dest.parent.parent / "x").exists()
    assert_outside_untouched(outside)


def test_dotdot_inside_the_archive_is_fine(dest: Path) -> None:
    extract(TarMaker().file("a/../b", b"ok").bytes(), dest)
    assert (dest / "b").read_bytes() == b"ok"


def test_absolute_names_are_made_relative(dest: Path, outside: Path) -> None:
    evil = str(outside / "pwned")
    extract(TarMaker().file(evil, b"evil").file("/etc/pallet-test-x", b"x").bytes(), dest)
    assert (dest / evil.lstrip("/")).read_bytes() == b"evil"
    assert (dest / "etc/pallet-test-x").read_bytes() == b"x"
    assert not Path("/etc/pallet-test-x").exists()
    assert_outside_untouched(outside)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_write_through_symlink_to_outside_stays_inside(
    dest: Path, outside: Path, mode: ExtractMode, kind: str
) -> None:
    target = "../../outside" if kind == "relative" else str(outside)
    data = TarMaker().symlink("link", target).file("link/pwned", b"evil").bytes()
    extract(data, dest, mode)
    assert_outside_untouched(outside)
    assert os.readlink(dest / "link") == target  # the symlink itself is kept as written
    landed = (
        dest / "outside/pwned" if kind == "relative" else dest / str(outside).lstrip("/") / "pwned"
    )
    assert landed.read_bytes() == b"evil"


def test_symlink_already_in_dest_is_not_followed_out(dest: Path, outside: Path) -> None:
    dest.mkdir(parents=True)
    (dest / "lower").symlink_to(outside)
    extract(TarMaker().file("lower/secret", b"overwritten?").bytes(), dest, "apply")
    assert_outside_untouched(outside)
    assert (dest / str(outside).lstrip("/") / "secret").read_bytes() == b"overwritten?"


def test_symlink_chain_is_followed_within_dest(dest: Path, outside: Path) -> None:
    data = (
        TarMaker()
        .symlink("a", "b")
        .symlink("b", "sub/c")
        .dir("sub")
        .symlink("sub/c", "../../../../..")
        .symlink("d", str(outside.parent))
        .file("a/pwned", b"1")
        .file("d/outside/secret", b"2")
        .bytes()
    )
    extract(data, dest)
    assert_outside_untouched(outside)
    assert (dest / "pwned").read_bytes() == b"1"
    assert (dest / str(outside).lstrip("/") / "secret").read_bytes() == b"2"


def test_symlink_loop_is_invalid(dest: Path) -> None:
    data = TarMaker().symlink("a", "b").symlink("b", "a").file("a/x", b"").bytes()
    with pytest.raises(InvalidArchive, match="symbolic links"):
        extract(data, dest)


@pytest.mark.parametrize("mode", MODES)
def test_duplicate_entry_replaces_symlink_instead_of_writing_through(
    dest: Path, outside: Path, mode: ExtractMode
) -> None:
    data = TarMaker().symlink("f", str(outside / "secret")).file("f", b"mine").bytes()
    extract(data, dest, mode)
    assert_outside_untouched(outside)
    assert not (dest / "f").is_symlink()
    assert (dest / "f").read_bytes() == b"mine"


def test_directory_replaced_by_symlink_then_written_through(dest: Path, outside: Path) -> None:
    data = (
        TarMaker()
        .dir("d")
        .file("d/old", b"old")
        .symlink("d", str(outside))
        .file("d/secret", b"evil")
        .bytes()
    )
    extract(data, dest)
    assert_outside_untouched(outside)
    assert (dest / "d").is_symlink()
    assert (dest / str(outside).lstrip("/") / "secret").read_bytes() == b"evil"


@pytest.mark.parametrize("mode", MODES)
def test_hardlink_to_host_file_is_refused(dest: Path, mode: ExtractMode) -> None:
    nlink = os.stat("/etc/passwd").st_nlink
    with pytest.raises(InvalidArchive, match="not found"):
        extract(TarMaker().hardlink("passwd", "/etc/passwd").bytes(), dest, mode)
    with pytest.raises(UnsafeArchive):
        extract(TarMaker().hardlink("passwd", "../../../../../../etc/passwd").bytes(), dest, mode)
    assert os.stat("/etc/passwd").st_nlink == nlink
    assert not (dest / "passwd").exists()


def test_hardlink_through_symlink_to_outside_is_refused(dest: Path, outside: Path) -> None:
    data = TarMaker().symlink("evil", str(outside)).hardlink("stolen", "evil/secret").bytes()
    with pytest.raises(InvalidArchive, match="not found"):
        extract(data, dest)
    assert_outside_untouched(outside)


def test_hardlink_to_a_symlink_links_the_symlink_itself(dest: Path, outside: Path) -> None:
    data = TarMaker().symlink("s", str(outside / "secret")).hardlink("h", "s").bytes()
    extract(data, dest)
    assert os.readlink(dest / "h") == str(outside / "secret")
    assert_outside_untouched(outside)


def test_hardlink_to_a_directory_is_invalid(dest: Path) -> None:
    with pytest.raises(InvalidArchive):
        extract(TarMaker().dir("d").hardlink("h", "d").bytes(), dest)


@pytest.mark.parametrize("block", [False, True])
def test_devices_are_skipped_when_not_allowed(dest: Path, block: bool) -> None:
    data = TarMaker().device("dev/sda", 8, 0, block=block).fifo("dev/fifo").bytes()
    result = extract_layer(io.BytesIO(data), dest, mode="apply", allow_devices=False)
    assert not (dest / "dev/sda").exists()
    assert result.skipped == ("dev/sda",)
    assert stat.S_ISFIFO(os.lstat(dest / "dev/fifo").st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making devices needs root")
def test_devices_are_made_when_allowed(dest: Path) -> None:
    extract(TarMaker().device("dev/null", 1, 3).device("dev/loop0", 7, 0, block=True).bytes(), dest)
    null, loop = os.lstat(dest / "dev/null"), os.lstat(dest / "dev/loop0")
    assert stat.S_ISCHR(null.st_mode) and null.st_rdev == os.makedev(1, 3)
    assert stat.S_ISBLK(loop.st_mode) and loop.st_rdev == os.makedev(7, 0)


def test_file_where_a_directory_is_needed_is_invalid(dest: Path) -> None:
    with pytest.raises(InvalidArchive, match="not a directory"):
        extract(TarMaker().file("a", b"").file("a/b", b"").bytes(), dest)


def test_nul_in_pax_name_is_invalid(dest: Path) -> None:
    maker = TarMaker()
    maker.file("x", b"", pax_headers={"path": "bad\x00name"})
    with pytest.raises(InvalidArchive):
        extract(maker.bytes(), dest)


@pytest.mark.parametrize("mode", MODES)
def test_whiteout_cannot_escape(dest: Path, outside: Path, mode: ExtractMode) -> None:
    with pytest.raises(UnsafeArchive):
        extract(TarMaker().file("../outside/.wh.secret").bytes(), dest, mode)
    data = TarMaker().symlink("l", str(outside)).file("l/.wh.secret").file("l/.wh..wh..opq").bytes()
    extract(data, dest, mode)
    assert_outside_untouched(outside)
    assert not os.listxattr(outside)
    for name in (".wh...", ".wh..", ".wh."):
        extract(TarMaker().file(name).bytes(), dest, mode)
    assert dest.exists()
