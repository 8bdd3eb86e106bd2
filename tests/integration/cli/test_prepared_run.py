"""A repeated ``run`` replays its prepared run (``pallet.cli.quickrun``): same behaviour, and a
full run again whenever an input changed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PALLET, PalletCLI

pytestmark = pytest.mark.runc


def _prepared(root: Path) -> dict[str, bytes]:
    """The prepared runs, by name (a replay leaves them as they are; a full run saves anew,
    with its own container in them)."""
    d = root / "run" / "prepared"
    return {p.name: p.read_bytes() for p in d.iterdir()} if d.is_dir() else {}


def _own(stderr: str) -> str:
    """stderr without the runtime probe's one-time warning (shown by a store's first run)."""
    return "".join(ln for ln in stderr.splitlines(True) if not ln.startswith("WARN: crun"))


def _records(root: Path) -> dict[str, dict[str, object]]:
    return json.loads((root / "containers.json").read_text())["containers"]  # type: ignore[no-any-return]


def test_replayed_run_is_a_new_container_like_the_first(
    pallet: PalletCLI, busybox_image: str
) -> None:
    script = "echo $A $HOSTNAME $(cat /etc/hostname) $(pwd); grep -c 127.0.1.1 /etc/hosts"
    cmd = ("run", "-e", "A=1", "-w", "/made", busybox_image, "sh", "-c", script)
    first = pallet(*cmd, check=True)
    saved = _prepared(pallet.root)
    assert len(saved) == 1
    second = pallet(*cmd, check=True)
    assert _prepared(pallet.root) == saved  # replayed: the full path would have saved again
    ids = pallet("ps", "-aq", "--no-trunc").stdout.split()
    assert len(ids) == 2 and ids[0] != ids[1]
    names = {r["name"] for r in _records(pallet.root).values()}
    assert len(names) == 2
    for out, cid in ((second, ids[0]), (first, ids[1])):  # ps: newest first
        a, host, etc_host, cwd = out.stdout.split("\n")[0].split()
        assert (a, host, etc_host, cwd) == ("1", cid[:12], cid[:12], "/made")
        assert out.stdout.split("\n")[1] == "1"
        info = json.loads(pallet("inspect", cid, check=True).stdout)[0]
        assert info["State"]["Status"] == "exited" and info["State"]["ExitCode"] == 0
        assert pallet("logs", cid, check=True).stdout == out.stdout
        cfg = json.loads((pallet.root / "containers" / cid / "config.json").read_text())
        assert cfg["linux"]["cgroupsPath"] == f"/pallet/{cid}"
        assert cfg["root"]["path"] == "merged"
        assert all(cid in m["source"] for m in cfg["mounts"] if m["destination"] == "/etc/hosts")


def test_replayed_rm_runs_pass_exit_codes_and_leave_nothing(
    pallet: PalletCLI, busybox_image: str
) -> None:
    for _ in range(3):
        out = pallet("run", "--rm", busybox_image, "sh", "-c", "echo out; echo err >&2; exit 3")
        assert (out.returncode, out.stdout, _own(out.stderr)) == (3, "out\n", "err\n")
        out = pallet("run", "--rm", busybox_image, "nosuchcmd")
        assert out.returncode == 127
        assert 'exec: "nosuchcmd": executable file not found in $PATH' in out.stderr
    assert len(_prepared(pallet.root)) == 1  # a run that failed to start is not prepared
    assert pallet("ps", "-aq").stdout == ""
    assert _records(pallet.root) == {}
    with open("/proc/self/mountinfo") as fh:
        assert str(pallet.root.resolve()) not in fh.read()
    assert list((pallet.root / "containers").iterdir()) == []


def test_replayed_detached_run_prints_its_id(pallet: PalletCLI, busybox_image: str) -> None:
    ids = [pallet("run", "-d", busybox_image, "sleep", "30", check=True).stdout.strip()
           for _ in range(2)]  # fmt: skip
    running = pallet("ps", "-q", "--no-trunc").stdout.split()
    assert sorted(ids) == sorted(running)
    pallet("rm", "-f", *ids, check=True)


def test_a_changed_tag_is_not_replayed(pallet: PalletCLI, busybox_image: str) -> None:
    assert pallet("run", busybox_image, "cat", "/marker").returncode == 1
    pallet("run", "--name", "maker", busybox_image, "touch", "/marker", check=True)
    pallet("commit", "maker", "marked", check=True)
    pallet("tag", "marked", busybox_image, check=True)
    assert pallet("run", busybox_image, "cat", "/marker").returncode == 0


def test_a_taken_name_gets_dockers_error_on_replay(pallet: PalletCLI, busybox_image: str) -> None:
    pallet("run", "--name", "once", busybox_image, "true", check=True)
    out = pallet("run", "--name", "once", busybox_image, "true")
    assert out.returncode == 125
    assert 'the container name "once" is already in use' in out.stderr
    pallet("rm", "once", check=True)
    pallet("run", "--name", "once", busybox_image, "true", check=True)  # replayed: free again
    assert [r["name"] for r in _records(pallet.root).values()] == ["once"]


def test_environment_taken_from_the_caller_is_never_replayed(
    pallet: PalletCLI, busybox_image: str
) -> None:
    for value in ("one", "two"):
        out = pallet("run", "--rm", "-e", "FOO", busybox_image, "sh", "-c", "echo $FOO",
                     env={"FOO": value})  # fmt: skip
        assert out.stdout == f"{value}\n"
    assert _prepared(pallet.root) == {}


def test_a_stale_prepared_run_is_remade(pallet: PalletCLI, busybox_image: str) -> None:
    pallet("run", "--rm", busybox_image, "true", check=True)
    (path,) = (pallet.root / "run" / "prepared").iterdir()
    path.write_bytes(b"not a prepared run")
    assert pallet("run", "--rm", busybox_image, "true").returncode == 0
    assert path.read_bytes() != b"not a prepared run"
    os.utime(pallet.root / "images.json")  # any change to the images: made again
    before = path.read_bytes()
    assert pallet("run", "--rm", busybox_image, "true").returncode == 0
    assert path.read_bytes() != before


def test_a_replayed_run_imports_none_of_the_heavy_modules(
    pallet: PalletCLI, busybox_image: str
) -> None:
    cmd = [*PALLET, "--root", str(pallet.root), "run", "--rm", busybox_image, "true"]
    heavy = {"json", "dataclasses", "pathlib", "re", "enum", "pallet.engine.container_records"}
    seen = []
    for _ in range(2):
        out = subprocess.run(
            [cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, check=True
        )
        seen.append({ln.split("|")[-1].strip() for ln in out.stderr.splitlines() if "|" in ln})
    assert heavy <= seen[0]  # the full path, which saves the prepared run
    assert not heavy & seen[1], heavy & seen[1]


def test_a_closed_stdin_is_read_as_empty_on_replay(pallet: PalletCLI, busybox_image: str) -> None:
    cmd = [*PALLET, "--root", str(pallet.root), "run", "--rm", "-i", busybox_image, "cat"]
    for _ in range(2):
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             preexec_fn=lambda: os.close(0))  # fmt: skip
        assert (out.returncode, out.stdout, _own(out.stderr)) == (0, "", "")


def test_the_first_run_prints_its_warnings(
    pallet: PalletCLI, busybox_image: str, busybox_tar: Path, tmp_path: Path
) -> None:
    first = pallet("run", "--rm", busybox_image, "true")  # probes the runtimes, then prepares
    other = PalletCLI(tmp_path / "other")
    (tmp_path / "other").mkdir()
    other("import", str(busybox_tar), busybox_image, check=True)
    never = other("run", "--rm", "-v", f"{tmp_path}:/x", busybox_image, "true")  # not prepared
    assert first.returncode == never.returncode == 0
    assert first.stderr == never.stderr


def test_another_store_sharing_the_run_directory_is_not_replayed(
    busybox_tar: Path, tmp_path: Path
) -> None:
    """The same command line (a relative --root, one --runroot) in another directory names
    another store: its run is not the first one's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALLET_")}
    args = [*PALLET, "--root", "store", "--runroot", str(tmp_path / "run")]
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "store").mkdir(parents=True)
    subprocess.run([*args, "import", str(busybox_tar), "bb"], cwd=a, env=env, check=True)
    for _ in range(2):
        out = subprocess.run([*args, "run", "--rm", "bb", "true"], cwd=a, env=env)
        assert out.returncode == 0
    out = subprocess.run([*args, "run", "--rm", "bb", "true"], cwd=b, env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 125 and "Unable to find image" in out.stderr
    assert (
        not (b / "store" / "containers.json").exists()
        or '"bb"' not in (b / "store" / "containers.json").read_text()
    )


def test_a_runtime_installed_on_path_remakes_the_prepared_run(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    env = {"PATH": f"{bindir}:{os.environ['PATH']}"}
    for _ in range(2):
        assert pallet("run", "--rm", busybox_image, "true", env=env).returncode == 0
    (saved,) = _prepared(pallet.root).values()
    runc = next(p for p in ("/usr/sbin/runc", "/usr/bin/runc") if os.path.exists(p))
    (bindir / "runc").symlink_to(runc)  # a runc earlier on PATH: the choice may change
    assert pallet("run", "--rm", busybox_image, "true", env=env).returncode == 0
    (remade,) = _prepared(pallet.root).values()
    assert remade != saved
