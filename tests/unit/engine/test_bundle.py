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


def test_prune_keeps_the_newest_prepared_runs(tmp_path: Path) -> None:
    from pallet.engine.prepared_run import prune

    for i in range(10):
        (tmp_path / f"p{i}").write_bytes(b"x")
        os.utime(tmp_path / f"p{i}", ns=(i * 10**9, i * 10**9))
    (tmp_path / "p0.4242.tmp").write_bytes(b"a save in flight")
    os.utime(tmp_path / "p0.4242.tmp", ns=(0, 0))
    prune(str(tmp_path), 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p0.4242.tmp", "p6", "p7", "p8", "p9"]
    prune(str(tmp_path / "missing"), 4)  # no directory yet: nothing to do


def test_prepared_run_keys_depend_on_values_only() -> None:
    from pallet.engine.prepared_run import _key

    literal = ["--root", "/r", "run", "bb", "true"]
    built = " ".join(literal).split()  # equal strings, other objects and reference counts
    dirs = ("/r", "/r/run")
    assert _key(literal, dirs) == _key(built, dirs)
    assert _key(literal, dirs) != _key([*literal, "x"], dirs)
    assert _key(literal, dirs) != _key(literal, ("/other", "/r/run"))
