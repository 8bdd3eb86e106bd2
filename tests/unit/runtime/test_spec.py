"""Golden-file tests for build_spec: run with PALLET_UPDATE_GOLDEN=1 to rewrite them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pallet.errors import InvalidArgument
from pallet.runtime.spec import (
    ALL_CAPABILITIES,
    DEFAULT_CAPABILITIES,
    Mount,
    SpecOptions,
    Ulimit,
    build_spec,
    effective_capabilities,
)

GOLDEN = Path(__file__).parent / "golden"
LIMITS = {"nofile": 20000, "nproc": 96364}

CASES = {
    "default": SpecOptions(args=("/bin/true",), rootfs="/c/rootfs"),
    "full": SpecOptions(
        args=("sh", "-c", "echo hi"),
        rootfs="/c/rootfs",
        env=("FOO=bar", "PATH=/bin"),
        cwd="/work",
        uid=1000,
        gid=1000,
        additional_gids=(10, 20),
        home="/home/u",
        terminal=True,
        hostname="box",
        readonly_rootfs=True,
        mounts=(
            Mount("/data", "/srv/data", "bind", ("ro", "Z")),
            Mount("/cache", "/var/lib/pallet/volumes/v/_data", "volume", ()),
            Mount("/scratch", "", "tmpfs", ("size=1m", "exec")),
            Mount("/etc/hosts", "/run/pallet/c/hosts", "bind", ()),
        ),
        cap_add=("NET_ADMIN",),
        cap_drop=("chown", "CAP_KILL"),
        no_new_privileges=True,
        network="/run/netns/pallet-1",
        memory=64 << 20,
        cpus=1.5,
        pids_limit=100,
        ulimits=(Ulimit("nofile", 1024, 4096), Ulimit("core", 0, 0)),
        seccomp={"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []},
        cgroups_path="/pallet/abc",
        annotations=(("org.example", "1"),),
        oom_score_adj=500,
        sysctls=(("net.ipv4.ip_forward", "1"),),
        init_path="/usr/bin/catatonit",
    ),
    "privileged_host": SpecOptions(
        args=("/bin/sh",), rootfs="/c/rootfs", privileged=True, network="host"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    got = build_spec(CASES[name], hard_limits=LIMITS)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("PALLET_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(path.read_text())


def test_defaults_match_podman() -> None:
    spec = build_spec(CASES["default"], hard_limits=LIMITS)
    assert spec["ociVersion"] == "1.0.2"
    assert spec["process"]["capabilities"]["bounding"] == sorted(
        DEFAULT_CAPABILITIES, key=ALL_CAPABILITIES.index
    )
    assert {n["type"] for n in spec["linux"]["namespaces"]} == {
        "pid", "ipc", "uts", "mount", "network",
    }  # fmt: skip
    assert "/proc/kcore" in spec["linux"]["maskedPaths"]
    assert "/proc/sys" in spec["linux"]["readonlyPaths"]
    shm = next(m for m in spec["mounts"] if m["destination"] == "/dev/shm")
    assert "size=65536k" in shm["options"]


def test_rlimits_clamped_to_hard_limits() -> None:
    spec = build_spec(CASES["default"], hard_limits={"nofile": 1024, "nproc": 512})
    limits = {r["type"]: (r["soft"], r["hard"]) for r in spec["process"]["rlimits"]}
    assert limits["RLIMIT_NOFILE"] == (1024, 1024)
    assert limits["RLIMIT_NPROC"] == (512, 512)


def test_host_network_has_no_netns_and_privileged_no_masks() -> None:
    spec = build_spec(CASES["privileged_host"], hard_limits=LIMITS)
    assert "network" not in {n["type"] for n in spec["linux"]["namespaces"]}
    assert "maskedPaths" not in spec["linux"]
    assert spec["process"]["capabilities"]["bounding"] == list(ALL_CAPABILITIES)


def test_capabilities_all() -> None:
    assert effective_capabilities(cap_drop=("ALL",)) == ()
    assert effective_capabilities(cap_drop=("ALL",), cap_add=("chown",)) == ("CAP_CHOWN",)
    assert effective_capabilities(cap_add=("ALL",), cap_drop=("SYS_ADMIN",)) == tuple(
        c for c in ALL_CAPABILITIES if c != "CAP_SYS_ADMIN"
    )
    with pytest.raises(InvalidArgument):
        effective_capabilities(cap_add=("NOPE",))


def test_user_mount_overrides_default_destination() -> None:
    opts = SpecOptions(args=("x",), rootfs="/r", mounts=(Mount("/dev/shm", "/host/shm"),))
    spec = build_spec(opts, hard_limits=LIMITS)
    shm = [m for m in spec["mounts"] if m["destination"] == "/dev/shm"]
    assert shm == [{"destination": "/dev/shm", "type": "bind", "source": "/host/shm",
                    "options": ["rbind", "rprivate", "rw"]}]  # fmt: skip


def test_errors() -> None:
    with pytest.raises(InvalidArgument, match="no command"):
        build_spec(SpecOptions(args=(), rootfs="/r"), hard_limits=LIMITS)
    with pytest.raises(InvalidArgument, match="ulimit"):
        build_spec(
            SpecOptions(args=("x",), rootfs="/r", ulimits=(Ulimit("bogus", 1, 1),)),
            hard_limits=LIMITS,
        )
    with pytest.raises(InvalidArgument, match="absolute"):
        build_spec(
            SpecOptions(args=("x",), rootfs="/r", mounts=(Mount("rel", "/x"),)), hard_limits=LIMITS
        )
