"""containers-common seccomp profiles converted to the runtime spec's ``linux.seccomp``.

The conversion follows containers/common ``pkg/seccomp`` (``setupSeccomp``): the native
architecture and its sub-architectures are taken from ``archMap``, and each syscall group is
kept or dropped by its ``includes``/``excludes`` on capabilities (against the container's
bounding set) and architectures (Go's names: ``amd64``, ``arm64`` ...).

One departure, for speed: the x32 sub-architecture is left out of the filter when the kernel
cannot run x32 code at all (``CONFIG_X86_X32_ABI`` unset, as on most distribution kernels).
No x32 system call can then be made, so the filter means the same, and runc compiles a third
fewer rules: ~10 ms of every container start.
"""

from __future__ import annotations

import json
import os

from pallet.errors import InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["DEFAULT_PROFILE_PATH", "convert", "default_seccomp", "load_profile"]

DEFAULT_PROFILE_PATH = "/usr/share/containers/seccomp.json"

_GO_ARCH = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "i686": "386",
    "i386": "386",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "mips64": "mips64",
    "riscv64": "riscv64",
}
_SECCOMP_ARCH = {
    "amd64": "SCMP_ARCH_X86_64",
    "386": "SCMP_ARCH_X86",
    "arm64": "SCMP_ARCH_AARCH64",
    "arm": "SCMP_ARCH_ARM",
    "mips64": "SCMP_ARCH_MIPS64",
    "mips64le": "SCMP_ARCH_MIPSEL64",
    "ppc64le": "SCMP_ARCH_PPC64LE",
    "s390x": "SCMP_ARCH_S390X",
    "riscv64": "SCMP_ARCH_RISCV64",
}

_X32_SYSCALL_BIT = 0x40000000
_NR_GETPID = 39
_x32: list[bool] = []

_profiles: dict[str, dict[str, Any] | None] = {}
_converted: dict[tuple[str, tuple[str, ...], str], dict[str, Any] | None] = {}


def native_arch() -> str:
    """The host architecture in Go's spelling (``amd64`` ...), as the profiles use it."""
    machine = os.uname().machine
    return _GO_ARCH.get(machine, machine)


def load_profile(path: str = DEFAULT_PROFILE_PATH) -> dict[str, Any] | None:
    """Read and cache a profile; ``None`` when the file does not exist."""
    if path not in _profiles:
        try:
            with open(path, "rb") as fh:
                _profiles[path] = json.loads(fh.read())
        except FileNotFoundError:
            _profiles[path] = None
        except ValueError as exc:
            raise InvalidArgument(f"seccomp profile {path}: {exc}") from exc
    return _profiles[path]


def kernel_runs_x32() -> bool:
    """Whether this kernel executes x32 system calls (probed once with an x32 ``getpid``).

    Only probed outside any seccomp filter: one that lacks x32 could kill the prober."""
    if not _x32:
        _x32.append(_probe_x32())
    return _x32[0]


def _probe_x32() -> bool:
    if os.uname().machine != "x86_64":
        return False
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            filtered = any(ln.split()[1:2] != ["0"] for ln in fh if ln.startswith("Seccomp:"))
    except OSError:
        return True
    if filtered:
        return True
    from pallet.runtime import libc

    try:
        libc.call("syscall", _X32_SYSCALL_BIT | _NR_GETPID)
    except OSError:
        return False
    return True


def _kernel_at_least(minimum: str) -> bool:
    def parse(v: str) -> tuple[int, ...]:
        return tuple(int("".join(ch for ch in p if ch.isdigit()) or 0) for p in v.split(".")[:2])

    return parse(os.uname().release) >= parse(minimum)


def _keep(call: dict[str, Any], caps: frozenset[str], arch: str) -> bool:
    exc = call.get("excludes") or {}
    inc = call.get("includes") or {}
    if arch in (exc.get("arches") or ()):
        return False
    if any(c in caps for c in exc.get("caps") or ()):
        return False
    if exc.get("minKernel") and _kernel_at_least(exc["minKernel"]):
        return False
    if inc.get("arches") and arch not in inc["arches"]:
        return False
    if any(c not in caps for c in inc.get("caps") or ()):
        return False
    return not (inc.get("minKernel") and not _kernel_at_least(inc["minKernel"]))


def convert(
    profile: dict[str, Any], capabilities: tuple[str, ...], arch: str | None = None
) -> dict[str, Any] | None:
    """Convert a containers-common ``profile`` for a container with these bounding caps.

    Returns ``None`` for a profile with neither a default action nor syscalls (unconfined).
    """
    if not profile.get("defaultAction") and not profile.get("syscalls"):
        return None
    if profile.get("architectures") and profile.get("archMap"):
        raise InvalidArgument(
            "both 'architectures' and 'archMap' are specified in the seccomp profile, "
            "use either 'architectures' or 'archMap'"
        )
    arch = arch or native_arch()
    arches: list[str] = list(profile.get("architectures") or ())
    native = _SECCOMP_ARCH.get(arch)
    for entry in profile.get("archMap") or ():
        if native and entry.get("architecture") == native:
            arches = [native, *(entry.get("subArchitectures") or ())]
            break
    out: dict[str, Any] = {"defaultAction": profile.get("defaultAction", "SCMP_ACT_ALLOW")}
    if profile.get("defaultErrnoRet") is not None:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    if arches:
        out["architectures"] = arches
    if profile.get("flags"):
        out["flags"] = list(profile["flags"])
    capset = frozenset(capabilities)
    syscalls = []
    for call in profile.get("syscalls") or ():
        if not _keep(call, capset, arch):
            continue
        names = list(call.get("names") or ())
        if call.get("name"):
            names.insert(0, call["name"])
        if not names:
            continue
        rule: dict[str, Any] = {"names": names, "action": call["action"]}
        if call.get("errnoRet") is not None:
            rule["errnoRet"] = call["errnoRet"]
        if call.get("args"):
            rule["args"] = [
                {
                    "index": a["index"],
                    "value": a.get("value", 0),
                    "valueTwo": a.get("valueTwo", 0),
                    "op": a["op"],
                }
                for a in call["args"]
            ]
        syscalls.append(rule)
    out["syscalls"] = syscalls
    return out


def default_seccomp(
    capabilities: tuple[str, ...], path: str = DEFAULT_PROFILE_PATH
) -> dict[str, Any] | None:
    """The converted default profile for these caps, cached per process; ``None`` if absent."""
    key = (path, tuple(sorted(capabilities)), native_arch())
    if key not in _converted:
        profile = load_profile(path)
        out = convert(profile, capabilities) if profile is not None else None
        arches = out.get("architectures") if out else None
        if arches and "SCMP_ARCH_X32" in arches and not kernel_runs_x32():
            out["architectures"] = [a for a in arches if a != "SCMP_ARCH_X32"]  # type: ignore[index]
        _converted[key] = out
    return _converted[key]
