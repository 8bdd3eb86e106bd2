"""The files ``start`` writes into a container's directory, and ``remove_tree``."""

from __future__ import annotations

import os
from pathlib import Path

from pallet.engine.bundle import ensure_workdir, remove_tree, write_etc_files


def test_remove_tree_removes_links_not_their_targets(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "file").write_text("x")
    tree = tmp_path / "tree"
    (tree / "a" / "b" / "c").mkdir(parents=True)
    (tree / "a" / "b" / "c" / "f").write_text("1")
    (tree / "a" / "g").write_text("2")
    (tree / "a" / "dirlink").symlink_to(outside)
    (tree / "filelink").symlink_to(outside / "keep" / "file")
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tree / "fifo")
    remove_tree(str(tree))
    assert not tree.exists() and not tree.is_symlink()
    assert (outside / "keep" / "file").read_text() == "x"
    remove_tree(str(tree))  # gone already: no error


def test_etc_files_and_workdir(tmp_path: Path) -> None:
    write_etc_files(str(tmp_path), network="none", hostname="h1", name="box")
    hosts = (tmp_path / "hosts").read_text()
    assert hosts.startswith("127.0.0.1\tlocalhost\n") and hosts.endswith("127.0.1.1\th1 box\n")
    assert (tmp_path / "hostname").read_text() == "h1\n"
    assert (tmp_path / "resolv.conf").read_bytes() == Path("/etc/resolv.conf").read_bytes()
    write_etc_files(str(tmp_path), network="host", hostname="h2", name="box")
    assert (tmp_path / "hosts").read_text() == Path(
        "/etc/hosts"
    ).read_text() + "127.0.1.1\th2 box\n"
    rootfs = tmp_path / "rootfs"
    (rootfs / "etc").mkdir(parents=True)
    (rootfs / "link").symlink_to("/nowhere")
    ensure_workdir(str(rootfs), "/srv/app")
    ensure_workdir(str(rootfs), "/link")  # a symlink is left as it is
    assert (rootfs / "srv" / "app").is_dir() and (rootfs / "link").is_symlink()
