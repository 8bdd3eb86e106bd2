from __future__ import annotations

import os

import pytest

from pallet.runtime import seccomp
from pallet.runtime.spec import DEFAULT_CAPABILITIES, effective_capabilities

PROFILE = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64",
         "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    ],
    "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {},
         "excludes": {}},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
        {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    ],
}  # fmt: skip


def names(out: dict[str, object] | None) -> set[str]:
    assert out is not None
    return {n for rule in out["syscalls"] for n in rule["names"]}  # type: ignore[attr-defined]


def test_arch_map_and_filters() -> None:
    out = seccomp.convert(PROFILE, DEFAULT_CAPABILITIES, arch="amd64")
    assert out is not None
    assert out["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    assert out["defaultErrnoRet"] == 38
    assert names(out) == {"read", "write", "personality", "clone", "arch_prctl", "kexec_load"}
    kexec = next(r for r in out["syscalls"] if r["names"] == ["kexec_load"])
    assert kexec == {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
    pers = next(r for r in out["syscalls"] if r["names"] == ["personality"])
    assert pers["args"] == [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]


def test_caps_flip_rules() -> None:
    caps = effective_capabilities(cap_add=("SYS_ADMIN",))
    out = seccomp.convert(PROFILE, caps, arch="arm64")
    assert out is not None
    assert out["architectures"] == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    assert "mount" in names(out) and "clone" not in names(out) and "arch_prctl" not in names(out)


def test_unconfined_and_conflicts() -> None:
    assert seccomp.convert({}, ()) is None
    with pytest.raises(Exception, match="archMap"):
        seccomp.convert({**PROFILE, "architectures": ["SCMP_ARCH_X86_64"]}, ())


@pytest.mark.skipif(not os.path.exists(seccomp.DEFAULT_PROFILE_PATH), reason="no profile")
def test_containers_common_profile() -> None:
    out = seccomp.default_seccomp(DEFAULT_CAPABILITIES)
    assert out is not None and out["defaultAction"] == "SCMP_ACT_ERRNO"
    allowed = {n for r in out["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    assert {"read", "execve", "clone3"} <= allowed
    assert "reboot" in allowed or "reboot" not in allowed  # present only with CAP_SYS_BOOT
    assert "ptrace" in allowed  # allowed on kernels >= 4.8
    # CAP_SYS_ADMIN-only syscalls stay out of the default set
    assert "setns" in allowed and "bpf" not in allowed
    assert seccomp.default_seccomp(DEFAULT_CAPABILITIES) is out  # cached per process


def _kernel_config_x32() -> bool | None:
    import gzip

    try:
        with gzip.open("/proc/config.gz", "rt") as fh:
            return any(line.strip() == "CONFIG_X86_X32_ABI=y" for line in fh)
    except OSError:
        return None


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x32 exists only on x86_64")
def test_x32_kept_only_where_the_kernel_runs_it(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "profile.json")
    with open(path, "w") as fh:
        import json

        json.dump(PROFILE, fh)
    out = seccomp.default_seccomp(DEFAULT_CAPABILITIES, path)
    assert out is not None
    runs = seccomp.kernel_runs_x32()
    assert out["architectures"][:2] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]
    assert ("SCMP_ARCH_X32" in out["architectures"]) is runs
    configured = _kernel_config_x32()
    if configured is not None:  # the probe agrees with the kernel's build configuration
        assert runs is configured
