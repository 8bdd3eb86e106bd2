"""Context hashes and tars, compared byte for byte with taskgraph's own as the oracle."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from taskgraph.util import archive as tg_archive
from taskgraph.util.docker import generate_context_hash, stream_context_tar

from pallet.catalog import check_context, context_hash, write_context_tar
from pallet.catalog.tarstream import TAR_MTIME, header
from pallet.errors import BuildError

IMG = "taskcluster/docker/img"
DF = f"{IMG}/Dockerfile"


def _symlinks(root: Path) -> None:
    os.symlink("real.txt", root / IMG / "link.txt")
    os.symlink("../../../lib", root / IMG / "linked-dir")  # a folder link: not followed


def _empty_dir(root: Path) -> None:
    (root / IMG / "empty").mkdir()


CASES: dict[str, tuple[dict[str, object], dict[str, str], Callable[[Path], None] | None]] = {
    "plain": ({DF: "FROM debian:12\nRUN true\n", f"{IMG}/run.sh": "echo hi\n"}, {}, None),
    "include-file": (
        {DF: "FROM x\n# %include tools/a.py\nCOPY topsrcdir/tools/a.py /a\n", "tools/a.py": "1"},
        {},
        None,
    ),
    "include-dir": (
        {
            DF: "FROM x\n# %include lib\n# %include lib/\n",
            "lib/a.txt": "a",
            "lib/deep/er/b.txt": "b" * 513,
            "lib/.hidden": "",
        },
        {},
        None,
    ),
    "nested-dirs": (
        {DF: "FROM x\n", f"{IMG}/a/b/c/d.txt": "d", f"{IMG}/a/z.txt": "z", f"{IMG}/b": ""},
        {},
        _empty_dir,
    ),
    "unicode-names": (
        {
            DF: "FROM x\n# %include données\nLABEL é=ü\n",
            "données/café ☕.txt": "c",
            f"{IMG}/日本語/ファイル": "j",
            f"{IMG}/{'é' * 60}": "long utf-8 name",
        },
        {},
        None,
    ),
    "modes": (
        {
            DF: "FROM x\n",
            f"{IMG}/exec.sh": ("#!/bin/sh\n", 0o755),
            f"{IMG}/ro.txt": ("r", 0o400),
            f"{IMG}/sticky": ("s", 0o1644),
            f"{IMG}/group.txt": ("g", 0o664),
        },
        {},
        None,
    ),
    "pycache": (
        {
            DF: "FROM x\n# %include py\n",
            f"{IMG}/__pycache__/m.cpython-311.pyc": b"\x00",
            f"{IMG}/m.py": "",
            "py/pkg/__pycache__/n.pyc": b"\x01",
            "py/pkg/n.py": "n",
            "py/__pycache__x/kept.txt": "kept",
        },
        {},
        None,
    ),
    "args": (
        {DF: "# %ARG V\n# %ARG W\nFROM base:$V\nRUN echo $VV $W ${V}\n# %include $W\n", "w": "w"},
        {"V": "1.2", "W": "w", "UNUSED": "x"},
        None,
    ),
    "arg-escapes": ({DF: "# %ARG P\nRUN echo $P\n"}, {"P": r"a\\b\tc"}, None),
    "long-names": (
        {DF: "FROM x\n", f"{IMG}/{'d' * 60}/{'f' * 60}.txt": "x", f"{IMG}/{'n' * 100}": "y"},
        {},
        None,
    ),
    "sizes": (
        {
            DF: "FROM x\n",
            f"{IMG}/empty": b"",
            f"{IMG}/block": b"b" * 512,
            f"{IMG}/big": os.urandom((1 << 20) * 2 + 7),
        },
        {},
        None,
    ),
    "crlf-and-bom": ({DF: "\ufeffFROM x\r\nRUN a\rRUN b\r\n# no newline"}, {}, None),
    "context-dockerfile-shadowed": (
        {DF: "FROM x\n# %include Dockerfile.top\n", "Dockerfile.top": "t"},
        {},
        None,
    ),
    "symlinks": ({DF: "FROM x\n", f"{IMG}/real.txt": "r", "lib/l.txt": "l"}, {}, _symlinks),
    "run-task": ({DF: "FROM x\n# %include-run-task\nRUN run-task\n"}, {}, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hash_and_tar_equal_taskgraphs(tree, case: str) -> None:
    files, args, setup = CASES[case]
    root = tree(files)
    if setup:
        setup(root)
    expected = io.BytesIO()
    want = stream_context_tar(str(root), IMG, expected, args=dict(args))
    got = io.BytesIO()
    assert write_context_tar(root, Path(IMG), args, got) == want
    assert got.getvalue() == expected.getvalue()
    assert context_hash(root, Path(IMG), args) == generate_context_hash(str(root), IMG, args)


def test_hash_changes_with_content_mode_and_args(tree) -> None:
    root = tree({DF: "# %ARG V\nFROM x:$V\n", f"{IMG}/f": "1"})
    first = context_hash(root, Path(IMG), {"V": "1"})
    assert context_hash(root, Path(IMG), {"V": "2"}) != first
    os.chmod(root / IMG / "f", 0o755)
    second = context_hash(root, Path(IMG), {"V": "1"})
    assert second != first
    (root / IMG / "f").write_text("2")
    assert context_hash(root, Path(IMG), {"V": "1"}) != second


def test_absolute_image_dir_is_accepted(tree) -> None:
    root = tree({DF: "FROM x\n"})
    assert context_hash(root, root / IMG, {}) == generate_context_hash(str(root), IMG)


ERRORS = {
    "missing-arg": ({DF: "# %ARG NOPE\nFROM x\n"}, "missing argument NOPE"),
    "outside": ({DF: "FROM x\n# %include ../secret\n"}, "outside the source tree: ../secret"),
    "absolute": ({DF: "FROM x\n# %include /etc/passwd\n"}, "cannot be absolute: /etc/passwd"),
    "missing-include": ({DF: "FROM x\n# %include nowhere.txt\n"}, "does not exist: nowhere.txt"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_dockerfile_is_a_one_line_error_naming_image_and_file(tree, case: str) -> None:
    files, message = ERRORS[case]
    root = tree(files)
    (root.parent / "secret").write_text("s")
    with pytest.raises(Exception):  # noqa: B017 - taskgraph raises a bare Exception too
        generate_context_hash(str(root), IMG, {})
    with pytest.raises(BuildError) as info:
        context_hash(root, Path(IMG), {}, image="myimage")
    text = str(info.value)
    assert message in text
    assert text.startswith(f"image myimage: {DF}: ")
    assert "\n" not in text


def test_include_through_a_symlink_leaving_the_tree_is_refused(tree, tmp_path: Path) -> None:
    root = tree({DF: "FROM x\n# %include escape\n"})
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "escape")
    with pytest.raises(BuildError, match="outside the source tree: escape"):
        context_hash(root, Path(IMG), {})


def test_missing_dockerfile(tree) -> None:
    root = tree({f"{IMG}/README": "no Dockerfile"})
    with pytest.raises(BuildError, match=r"^image img: .*no Dockerfile"):
        context_hash(root, Path(IMG), {})


@pytest.mark.parametrize("bit", [stat.S_ISUID, stat.S_ISGID])
def test_setuid_and_setgid_files_are_refused(tree, bit: int) -> None:
    root = tree({DF: "FROM x\n", f"{IMG}/tool": ("x", 0o755 | bit)})
    if not os.stat(root / IMG / "tool").st_mode & bit:
        pytest.skip("this filesystem drops the bit")
    with pytest.raises(ValueError, match="setuid or setgid"):
        generate_context_hash(str(root), IMG)
    for call in (context_hash, check_context):
        with pytest.raises(BuildError) as info:
            call(root, Path(IMG), {}, image="base")
        assert str(info.value) == f"image base: {root / IMG / 'tool'}: setuid or setgid bit set"


def test_check_context_lists_members_and_flags_special_files(tree) -> None:
    root = tree({DF: "FROM x\n# %include a.txt\n", "a.txt": "a", f"{IMG}/b": "b"})
    assert check_context(root, Path(IMG), {}) == ("Dockerfile", "b", "topsrcdir/a.txt")
    os.mkfifo(root / IMG / "pipe")
    with pytest.raises(BuildError, match="pipe: not a regular file"):
        check_context(root, Path(IMG), {})
    with pytest.raises(BuildError, match="pipe: not a regular file"):
        context_hash(root, Path(IMG), {})


@pytest.mark.parametrize(
    ("name", "mode", "size"),
    [
        ("a", 0o100644, 0),
        ("é/ü", 0o100755, 12345),
        ("x" * 100, 0o644, 1),
        ("y" * 101, 0o644, 1),
        ("z/" * 300, 0o1777, 8**11 - 1),
        ("huge", 0o644, 8**11),
        ("huger", 0o644, 256**11 - 1),
    ],
)
def test_header_equals_taskgraphs_tarinfo(name: str, mode: int, size: int) -> None:
    info = tg_archive.TarInfo(name)
    info.mode, info.type, info.size, info.mtime = mode, tarfile.REGTYPE, size, TAR_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    want = info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")
    assert header(name, mode, size) == want


def test_oversized_field_is_an_error() -> None:
    with pytest.raises(BuildError, match="overflow"):
        header("f", 0o644, 256**11)
