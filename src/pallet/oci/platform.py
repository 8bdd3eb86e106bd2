"""Platforms (os/arch/variant) and the host's own, in OCI's vocabulary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pallet.errors import InvalidArgument

__all__ = ["Platform", "host_platform"]

_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "armv6l": "arm",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True, slots=True)
class Platform:
    """``os/architecture[/variant]`` as in an OCI index entry or image config."""

    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``linux/arm64/v8`` (or ``linux/amd64``); raise InvalidArgument otherwise."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InvalidArgument(f"invalid platform {text!r}: want os/arch[/variant]")
        return cls(parts[0].lower(), normalize_arch(parts[1]), parts[2] if len(parts) == 3 else "")

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Platform:
        return cls(
            os=str(obj.get("os", "")),
            architecture=str(obj.get("architecture", "")),
            variant=str(obj.get("variant", "")),
            os_version=str(obj.get("os.version", "")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            out["variant"] = self.variant
        if self.os_version:
            out["os.version"] = self.os_version
        return out

    def matches(self, other: Platform) -> bool:
        """True when ``other`` (an index entry) satisfies this wanted platform."""
        if self.os != other.os or self.architecture != other.architecture:
            return False
        return not (self.variant and other.variant and self.variant != other.variant)

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


def normalize_arch(arch: str) -> str:
    """Map kernel names (x86_64, aarch64) to OCI's (amd64, arm64)."""
    return _ARCH.get(arch.lower(), arch.lower())


def host_platform() -> Platform:
    """The platform of the machine pallet runs on."""
    machine = os.uname().machine
    arch = normalize_arch(machine)
    variant = "v8" if arch == "arm64" else ("v7" if machine == "armv7l" else "")
    return Platform("linux", arch, variant)
