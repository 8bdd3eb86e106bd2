"""Container verbs through the CLI with the real runc, in a throwaway root."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import PALLET, PalletCLI

pytestmark = pytest.mark.runc


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve())
    with open("/proc/self/mountinfo") as fh:
        return [line.split()[4] for line in fh if line.split()[4].startswith(prefix)]


def _procs_mentioning(text: str) -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline:
            out.append(int(pid))
    return out


def test_run_exit_codes_and_messages(pallet: PalletCLI, busybox_image: str) -> None:
    out = pallet("run", "--rm", busybox_image, "echo", "hello")
    assert out.returncode == 0 and out.stdout == "hello\n"
    assert pallet("run", "--rm", busybox_image, "sh", "-c", "exit 42").returncode == 42
    out = pallet("run", "--rm", busybox_image, "nosuchcmd")
    assert out.returncode == 127
    assert 'exec: "nosuchcmd": executable file not found in $PATH' in out.stderr
    out = pallet("run", "--rm", busybox_image, "/etc/passwd")
    assert out.returncode == 126
    out = pallet("run", "--rm", "nosuchimage")
    assert out.returncode == 125 and "nosuchimage" in out.stderr
    out = pallet("run", "--rm", busybox_image, "sh", "-c", "echo to-stderr >&2")
    assert out.stderr == "to-stderr\n" and out.stdout == ""
    assert pallet("ps", "-aq").stdout == ""  # --rm left nothing, even after failures
    assert _mounts_under(pallet.root) == []


def test_run_options_reach_the_process(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    host = tmp_path / "shared"
    host.mkdir()
    host.chmod(0o777)  # the container writes as uid 65534
    (host / "in.txt").write_text("from host\n")
    envf = tmp_path / "env"
    envf.write_text("# comment\nFROM_FILE=yes\n")
    script = (
        "echo $A $FROM_FILE; id -u; pwd; hostname; cat /data/in.txt; "
        "echo out > /data/out.txt; cat /proc/self/status | grep NoNewPrivs; "
        "touch /readonly 2>/dev/null || echo rofs; ls -d /scratch"
    )
    out = pallet(
        "run",
        "--rm",
        "-e",
        "A=1",
        "--env-file",
        str(envf),
        "-u",
        "65534",
        "-w",
        "/work",
        "--hostname",
        "boxy",
        "-v",
        f"{host}:/data",
        "--security-opt",
        "no-new-privileges",
        "--read-only",
        "--tmpfs",
        "/scratch",
        busybox_image,
        "sh",
        "-c",
        script,
        check=True,
    )
    lines = out.stdout.splitlines()
    assert lines[0] == "1 yes"
    assert lines[1] == "65534" and lines[2] == "/work" and lines[3] == "boxy"
    assert lines[4] == "from host"
    assert "NoNewPrivs:\t1" in out.stdout and "rofs" in out.stdout and "/scratch" in out.stdout
    assert (host / "out.txt").read_text() == "out\n"


def test_default_capabilities_and_masked_paths(pallet: PalletCLI, busybox_image: str) -> None:
    out = pallet(
        "run",
        "--rm",
        busybox_image,
        "sh",
        "-c",
        "grep CapBnd /proc/self/status; cat /proc/kcore 2>&1 | head -c 20; "
        "echo; touch /proc/sys/x 2>&1 || true",
        check=True,
    )
    bnd = int(out.stdout.split("CapBnd:\t")[1].split()[0], 16)
    assert bnd == 0xA80425FB or bnd < (1 << 32)  # podman's default set, far from all caps
    assert not bnd & (1 << 21)  # no CAP_SYS_ADMIN
    priv = pallet(
        "run",
        "--rm",
        "--privileged",
        busybox_image,
        "grep",
        "CapBnd",
        "/proc/self/status",
        check=True,
    )
    assert int(priv.stdout.split()[-1], 16) & (1 << 21)
    drop = pallet(
        "run",
        "--rm",
        "--cap-drop",
        "ALL",
        busybox_image,
        "grep",
        "CapBnd",
        "/proc/self/status",
        check=True,
    )
    assert int(drop.stdout.split()[-1], 16) == 0


def test_detached_lifecycle_ps_logs_stop_rm(pallet: PalletCLI, busybox_image: str) -> None:
    cid = pallet(
        "run",
        "-d",
        "--name",
        "web",
        busybox_image,
        "sh",
        "-c",
        "echo started; echo oops >&2; trap 'echo bye; exit 3' TERM; while true; do sleep 0.1; done",
        check=True,
    ).stdout.strip()
    assert len(cid) == 64
    ps = pallet("ps", "--format", "{{.Names}} {{.Status}}", check=True).stdout
    assert ps.startswith("web Up ")
    time.sleep(0.3)
    logs = pallet("logs", "web", check=True)
    assert logs.stdout == "started\n" and logs.stderr == "oops\n"
    ts = pallet("logs", "-t", "--tail", "2", "web", check=True)
    assert ts.stdout.endswith(" started\n") and ts.stdout[:4].isdigit()
    assert ts.stderr.endswith(" oops\n")
    out = pallet("rm", "web")
    assert out.returncode == 125 and "stop the container before removing" in out.stderr
    pallet("stop", "web", check=True)
    st = pallet("ps", "-a", "--format", "{{.Status}}", check=True).stdout
    assert st.startswith("Exited (3) ")
    assert pallet("wait", "web", check=True).stdout.strip() == "3"
    assert "bye" in pallet("logs", "web").stdout
    insp = json.loads(pallet("inspect", "web", check=True).stdout)[0]
    assert insp["State"]["Status"] == "exited" and insp["State"]["ExitCode"] == 3
    assert insp["Name"] == "/web" and insp["Id"] == cid
    pallet("start", "web", check=True)
    assert pallet("ps", "-q", check=True).stdout.strip() == cid[:12]
    pallet("rm", "-f", "web", check=True)
    assert pallet("ps", "-aq").stdout == ""
    assert _mounts_under(pallet.root) == []
    assert _procs_mentioning(cid) == []


def test_names_are_unique_and_bad_names_refused(pallet: PalletCLI, busybox_image: str) -> None:
    pallet("create", "--name", "same", busybox_image, "true", check=True)
    out = pallet("create", "--name", "same", busybox_image, "true")
    assert out.returncode == 125 and "already in use" in out.stderr
    out = pallet("create", "--name", "bad/name", busybox_image, "true")
    assert out.returncode == 125 and "Invalid container name" in out.stderr
    assert pallet("ps", "-a", "--format", "{{.Status}}").stdout.strip() == "Created"
    assert pallet("rm", "nosuch").stderr.strip() == "Error: No such container: nosuch"


def test_restart_policy_on_failure(pallet: PalletCLI, busybox_image: str) -> None:
    pallet(
        "run",
        "-d",
        "--name",
        "flaky",
        "--restart",
        "on-failure:2",
        busybox_image,
        "sh",
        "-c",
        "echo run; exit 1",
        check=True,
    )
    deadline = time.time() + 15
    while time.time() < deadline:
        insp = json.loads(pallet("inspect", "flaky", check=True).stdout)[0]
        if insp["State"]["Status"] == "exited" and insp["RestartCount"] == 2:
            break
        time.sleep(0.1)
    assert insp["RestartCount"] == 2 and insp["State"]["ExitCode"] == 1
    assert pallet("logs", "flaky").stdout.count("run") == 3
    pallet("rm", "-f", "flaky", check=True)


def test_kill_signal_pause_unpause(pallet: PalletCLI, busybox_image: str) -> None:
    pallet(
        "run",
        "-d",
        "--name",
        "k",
        busybox_image,
        "sh",
        "-c",
        "trap 'echo got-usr1' USR1; while true; do sleep 0.1; done",
        check=True,
    )
    time.sleep(0.3)
    pallet("kill", "-s", "USR1", "k", check=True)
    time.sleep(0.4)
    assert "got-usr1" in pallet("logs", "k").stdout
    pallet("pause", "k", check=True)
    assert "(Paused)" in pallet("ps", "--format", "{{.Status}}").stdout
    pallet("unpause", "k", check=True)
    pallet("kill", "k", check=True)
    assert pallet("wait", "k", check=True).stdout.strip() == "137"
    pallet("rm", "k", check=True)


def test_sigkilled_cli_during_run_d_leaves_a_removable_container(
    pallet: PalletCLI, busybox_image: str
) -> None:
    procs = []
    for i in range(5):
        procs.append(
            subprocess.Popen(
                [
                    *PALLET,
                    "--root",
                    str(pallet.root),
                    "run",
                    "-d",
                    "--name",
                    f"k{i}",
                    busybox_image,
                    "sleep",
                    "60",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    time.sleep(0.05)
    for i, p in enumerate(procs):
        time.sleep(0.01 * i)
        p.send_signal(signal.SIGKILL)
        p.wait()
    listed = pallet("ps", "-a", "--format", "{{.Names}}", check=True).stdout.split()
    for name in listed:
        pallet("rm", "-f", name, check=True)
    assert pallet("ps", "-aq").stdout == ""
    assert _mounts_under(pallet.root) == []


def test_dead_monitor_shows_and_rm_f_cleans(pallet: PalletCLI, busybox_image: str) -> None:
    cid = pallet("run", "-d", busybox_image, "sleep", "60", check=True).stdout.strip()
    mon = int((pallet.root / "containers" / cid / "monitor.pid").read_text().split()[0])
    os.kill(mon, signal.SIGKILL)
    time.sleep(0.2)
    assert pallet("ps", "-a", "--format", "{{.Status}}").stdout.startswith("Dead")
    pallet("rm", "-f", cid, check=True)
    assert _procs_mentioning(cid) == [] and _mounts_under(pallet.root) == []


def test_twenty_concurrent_run_rm(pallet: PalletCLI, busybox_image: str) -> None:
    results: list[subprocess.CompletedProcess[str]] = []

    def one(i: int) -> None:
        results.append(pallet("run", "--rm", busybox_image, "sh", "-c", f"echo {i}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(r.stdout) for r in results) == list(range(20))
    assert all(r.returncode == 0 for r in results)
    assert pallet("ps", "-aq").stdout == ""
    assert _mounts_under(pallet.root) == []


def _root_mount_options(mountinfo: str) -> str:
    line = next(ln for ln in mountinfo.splitlines() if ln.split()[4] == "/")
    return line.split(" - ", 1)[1]


def test_rm_container_is_gone_when_run_returns(pallet: PalletCLI, busybox_image: str) -> None:
    """``run --rm`` returns once the record is gone (the name is free at once); its files
    follow just after; its overlay is volatile, a kept container's is not."""
    out = pallet("run", "--rm", "--name", "once", busybox_image, "cat", "/proc/self/mountinfo")
    assert out.returncode == 0, out.stderr
    assert "volatile" in _root_mount_options(out.stdout)
    assert pallet("ps", "-aq").stdout == ""
    again = pallet("run", "--rm", "--name", "once", busybox_image, "true")
    assert again.returncode == 0, again.stderr
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
        list((pallet.root / "containers").iterdir()) or list((pallet.root / "tmp").iterdir())
    ):
        time.sleep(0.05)
    assert list((pallet.root / "containers").iterdir()) == []
    assert list((pallet.root / "tmp").iterdir()) == []
    kept = pallet("run", "--name", "kept", busybox_image, "cat", "/proc/self/mountinfo")
    assert "volatile" not in _root_mount_options(kept.stdout)
    pallet("rm", "kept", check=True)


def test_rm_container_mounted_before_its_start(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path
) -> None:
    """A ``create --rm`` container whose rootfs was mounted for ``cp`` starts (and a second
    mount of an upper dir once mounted volatile is allowed)."""
    (tmp_path / "hello").write_text("hi\n")
    pallet("create", "--rm", "--name", "prepped", busybox_image, "cat", "/etc/hello", check=True)
    pallet("cp", str(tmp_path / "hello"), "prepped:/etc/hello", check=True)
    out = pallet("start", "-a", "prepped")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "hi\n"


def test_runtime_that_cannot_run(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    """An OCI runtime that cannot even be executed: one line, 125, no container left."""
    runtime = tmp_path / "broken-runtime"
    runtime.write_text("#!/nonexistent/interpreter\n")
    runtime.chmod(0o755)
    out = pallet("--runtime", str(runtime), "run", "--rm", busybox_image, "true")
    assert out.returncode == 125
    assert out.stderr.count("\n") == 1 and "cannot run the OCI runtime" in out.stderr
    assert pallet("ps", "-aq").stdout == ""
    assert _mounts_under(pallet.root) == []


def test_interactive_tty_shell(pallet: PalletCLI, busybox_image: str) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes the CLI
        os.execv(
            PALLET[0],
            [*PALLET, "--root", str(pallet.root), "run", "--rm", "-it", busybox_image, "sh"],
        )
    seen = b""

    def read_until(token: bytes, timeout: float = 10) -> None:
        nonlocal seen
        end = time.time() + timeout
        while token not in seen and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        assert token in seen, seen

    read_until(b"#")
    os.write(fd, b"tty; echo $((6*7))\n")
    read_until(b"42")
    assert b"/dev/pts/" in seen
    os.write(fd, b"exit 5\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 5


def test_stdin_is_forwarded_with_i(pallet: PalletCLI, busybox_image: str) -> None:
    out = pallet(
        "run", "--rm", "-i", busybox_image, "sh", "-c", "tr a-z A-Z", input=b"shout\n", check=True
    )
    assert out.stdout == "SHOUT\n"


def test_volumes_named_and_anonymous(pallet: PalletCLI, busybox_image: str) -> None:
    pallet("volume", "create", "data", check=True)
    pallet(
        "run", "--rm", "-v", "data:/d", busybox_image, "sh", "-c", "echo keep > /d/f", check=True
    )
    out = pallet(
        "run",
        "--rm",
        "-v",
        "data:/d:ro",
        busybox_image,
        "sh",
        "-c",
        "cat /d/f; touch /d/g 2>/dev/null || echo ro",
        check=True,
    )
    assert out.stdout == "keep\nro\n"
    assert json.loads(pallet("volume", "inspect", "data", check=True).stdout)[0]["Name"] == "data"
    pallet("create", "--name", "user", "-v", "data:/d", busybox_image, "true", check=True)
    out = pallet("volume", "rm", "data")
    assert out.returncode == 125 and "user" in out.stderr
    pallet("rm", "user", check=True)
    pallet("volume", "rm", "data", check=True)
    assert pallet("volume", "ls", "-q").stdout == ""


def test_no_leftovers_after_container_tests(pallet: PalletCLI, busybox_image: str) -> None:
    """Final sweep: no overlay mounts, monitors or container processes of these tests."""
    cid = pallet("run", "-d", busybox_image, "sleep", "30", check=True).stdout.strip()
    pallet("rm", "-f", cid, check=True)
    with open("/proc/self/mountinfo") as fh:
        leftover = [ln for ln in fh if "pytest" in ln and "overlay" in ln]
    assert leftover == []
    assert _procs_mentioning(str(pallet.root)) == []


def test_limits_init_and_ulimits_reach_the_container(pallet: PalletCLI, busybox_image: str) -> None:
    script = (
        "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes "
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us; ulimit -n; cat /proc/1/cmdline | tr '\\0' ' '"
    )
    out = pallet(
        "run",
        "--rm",
        "--pids-limit",
        "64",
        "--memory",
        "64m",
        "--cpus",
        "0.5",
        "--ulimit",
        "nofile=512:512",
        "--init",
        busybox_image,
        "sh",
        "-c",
        script,
        check=True,
    ).stdout.split("\n")
    assert out[0] == "64"
    assert int(out[1]) == 64 << 20
    assert out[2] == "50000"
    assert out[3] == "512"
    assert "sh -c" in out[4] and out[4].split()[0].endswith("init")  # pid 1 is the init


def test_ulimit_above_the_callers_hard_limit_is_clamped(
    pallet: PalletCLI, busybox_image: str
) -> None:
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    out = pallet("run", "--rm", busybox_image, "sh", "-c", "ulimit -Hn", check=True).stdout
    assert int(out) <= hard
