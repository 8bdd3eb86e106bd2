"""``cp``, ``export`` and ``commit``: files in and out of containers and images."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runc


def _names(data: bytes) -> set[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name.rstrip("/") for m in tar.getmembers()}


def test_cp_both_ways(pallet: Any, ctr: str, tmp_path: Path) -> None:
    pallet("exec", ctr, "sh", "-c", "mkdir -p /d/sub && echo a > /d/a && echo b > /d/sub/b "
           "&& chmod 640 /d/a && chown 5:6 /d/a", check=True)  # fmt: skip
    pallet("cp", f"{ctr}:/d", str(tmp_path / "out"), check=True)
    assert (tmp_path / "out" / "sub" / "b").read_text() == "b\n"
    assert (tmp_path / "out" / "a").stat().st_mode & 0o777 == 0o640
    pallet("cp", "-a", f"{ctr}:/d/a", str(tmp_path / "a2"), check=True)
    st = (tmp_path / "a2").stat()
    assert (st.st_uid, st.st_gid) == (5, 6)
    (tmp_path / "host").mkdir()
    (tmp_path / "host" / "f").write_text("from host")
    pallet("cp", str(tmp_path / "host"), f"{ctr}:/in", check=True)
    pallet("cp", str(tmp_path / "host") + "/.", f"{ctr}:/d", check=True)
    r = pallet("exec", ctr, "cat", "/in/f", "/d/f")
    assert r.stdout == "from hostfrom host"
    tar = pallet("cp", f"{ctr}:/d", "-", check=True).stdout_bytes
    assert {"d", "d/a", "d/sub", "d/sub/b", "d/f"} <= _names(tar)
    pallet("cp", "-", f"{ctr}:/tmp", input=tar, check=True)
    assert pallet("exec", ctr, "cat", "/tmp/d/sub/b").stdout == "b\n"
    r = pallet("cp", f"{ctr}:/nothere", str(tmp_path / "x"))
    assert r.returncode != 0 and "Could not find the file /nothere" in r.stderr


def test_cp_symlink_never_reaches_the_host(pallet: Any, ctr: str, tmp_path: Path) -> None:
    before = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    pallet("exec", ctr, "sh", "-c", "ln -s /etc/passwd /pw && ln -s / /up", check=True)
    (tmp_path / "evil").write_text("evil\n")
    pallet("cp", str(tmp_path / "evil"), f"{ctr}:/pw", check=True)
    pallet("cp", str(tmp_path / "evil"), f"{ctr}:/up/../../etc/passwd", check=True)
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() == before
    assert pallet("exec", ctr, "cat", "/etc/passwd").stdout == "evil\n"
    pallet("cp", "-L", f"{ctr}:/pw", str(tmp_path / "got"), check=True)
    assert (tmp_path / "got").read_text() == "evil\n"


def test_cp_stopped_container(pallet: Any, busybox_image: str, cleanup: None,
                              tmp_path: Path) -> None:  # fmt: skip
    pallet("run", "--name", "done", busybox_image, "sh", "-c", "echo kept > /kept", check=True)
    pallet("cp", "done:/kept", str(tmp_path / "kept"), check=True)
    assert (tmp_path / "kept").read_text() == "kept\n"
    assert str(pallet.root) not in Path("/proc/self/mountinfo").read_text()


def test_export_container_and_image(pallet: Any, ctr: str, tmp_path: Path) -> None:
    pallet("exec", ctr, "sh", "-c", "echo new > /new; rm /bin/vi", check=True)
    names = _names(pallet("export", ctr, check=True).stdout_bytes)
    assert "new" in names and "bin/sh" in names and "bin/vi" not in names
    pallet("commit", ctr, "changed", check=True)
    pallet("export", "-o", str(tmp_path / "img.tar"), "changed", check=True)
    names = _names((tmp_path / "img.tar").read_bytes())
    assert "new" in names and "bin/sh" in names and "bin/vi" not in names  # whiteout applied
    assert not any(n.startswith(".wh.") or "/.wh." in n for n in names)
    assert list((pallet.root / "tmp").iterdir()) == []


def test_commit_then_run(pallet: Any, ctr: str) -> None:
    pallet("exec", ctr, "sh", "-c", "echo committed > /hello", check=True)
    r = pallet("commit", "-c", "ENV GREETING=hi", "-m", "msg", "-a", "me", ctr, "mine")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("sha256:")
    run = pallet("run", "--rm", "mine", "sh", "-c", "cat /hello; echo $GREETING", check=True)
    assert run.stdout == "committed\nhi\n"
    history = pallet("history", "--no-trunc", "mine", check=True).stdout
    assert "sleep 1000" in history and "msg" in history
    r = pallet("commit", "--format", "docker", "-p", ctr, "mine-docker")
    assert r.returncode == 0, r.stderr
    assert pallet("run", "--rm", "mine-docker", "cat", "/hello").stdout == "committed\n"
