"""Instruction flags (``--from=``, ``--mount=``, ``--interval=`` ...) checked against each
instruction's allowed set, plus the ``--mount`` option syntax and Go-style durations."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Literal, cast

from pallet.build.dockerfile.words import Invalid
from pallet.build.instructions import Mount, MountType

__all__ = ["Flags", "parse_duration", "parse_flags", "parse_mount"]

_Kind = Literal["str", "bool", "list"]

_ALLOWED: dict[str, dict[str, _Kind]] = {
    "from": {"platform": "str"},
    "run": {"mount": "list", "network": "str", "security": "str"},
    "copy": {
        "from": "str",
        "chown": "str",
        "chmod": "str",
        "link": "bool",
        "parents": "bool",
        "exclude": "list",
    },
    "add": {
        "chown": "str",
        "chmod": "str",
        "link": "bool",
        "keep-git-dir": "bool",
        "checksum": "str",
        "exclude": "list",
        "unpack": "bool",
    },
    "healthcheck": {
        "interval": "str",
        "timeout": "str",
        "start-period": "str",
        "start-interval": "str",
        "retries": "str",
    },
}

_TRUE = frozenset({"", "1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


@dataclass(slots=True)
class Flags:
    """The flags given to one instruction, by name without the dashes."""

    strings: dict[str, str] = field(default_factory=dict)
    bools: dict[str, bool] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def string(self, name: str) -> str | None:
        """The value of a string flag, or ``None`` when absent."""
        return self.strings.get(name)

    def boolean(self, name: str) -> bool | None:
        """The value of a boolean flag, or ``None`` when absent."""
        return self.bools.get(name)

    def many(self, name: str) -> tuple[str, ...]:
        """Every value of a repeatable flag, in order."""
        return tuple(self.lists.get(name, ()))


def parse_flags(command: str, words: list[str]) -> Flags:
    """Check ``words`` (from :func:`extract_flags`) against what ``command`` accepts."""
    allowed = _ALLOWED.get(command, {})
    flags = Flags()
    for word in words:
        name, eq, value = word.removeprefix("--").partition("=")
        kind = allowed.get(name)
        if kind is None:
            raise Invalid(f"unknown flag: {name or word}")
        if kind == "bool":
            if value not in _TRUE | _FALSE or (eq and value == ""):
                raise Invalid(f"expecting boolean value for flag {name}, not: {value}")
            flags.bools[name] = value in _TRUE
        elif not eq:
            raise Invalid(f"missing a value on flag: {name}")
        elif kind == "list":
            flags.lists.setdefault(name, []).append(value)
        elif name in flags.strings:
            raise Invalid(f"duplicate flag specified: {name}")
        else:
            flags.strings[name] = value
    return flags


_MOUNT_TYPES: tuple[MountType, ...] = ("bind", "cache", "tmpfs", "secret", "ssh")
_SHARING = ("shared", "private", "locked")
_MOUNT_KEYS = {"dst": "target", "destination": "target", "src": "source", "ro": "readonly"}
_MOUNT_KEYS |= {"rw": "readwrite"}


def _mount_bool(key: str, value: str | None) -> bool:
    if value is None or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise Invalid(f"invalid value for {key}: {value}")


def _mount_int(key: str, value: str, base: int = 10) -> int:
    try:
        return int(value, base)
    except ValueError:
        raise Invalid(f"invalid value for {key}: {value}") from None


def parse_mount(spec: str) -> Mount:
    """Parse one ``--mount`` value: comma-separated ``key=value`` fields (CSV quoting)."""
    fields = next(csv.reader([spec]), [])
    strings: dict[str, str] = {}
    numbers: dict[str, int] = {}
    bools: dict[str, bool] = {}
    mount_type: MountType = "bind"
    sharing: Literal["shared", "private", "locked"] | None = None
    for item in fields:
        raw_key, eq, raw_value = item.partition("=")
        key = _MOUNT_KEYS.get(raw_key.strip().lower(), raw_key.strip().lower())
        value = raw_value if eq else None
        if key in ("readonly", "readwrite"):
            bools["readonly"] = _mount_bool(key, value) == (key == "readonly")
        elif key == "required":
            bools["required"] = _mount_bool(key, value)
        elif value is None:
            raise Invalid(f"unexpected key '{raw_key}' in '{item}'")
        elif key == "type":
            if value not in _MOUNT_TYPES:
                raise Invalid(f"unsupported mount type {value!r}")
            mount_type = value
        elif key == "sharing":
            if value not in _SHARING:
                raise Invalid(f"unsupported sharing value {value!r}")
            sharing = cast(Literal["shared", "private", "locked"], value)
        elif key in ("mode", "uid", "gid"):
            numbers[key] = _mount_int(key, value, 8 if key == "mode" else 10)
        elif key in ("target", "source", "from", "id", "size", "env"):
            strings[key] = value
        else:
            raise Invalid(f"unexpected key '{raw_key}' in '{item}'")
    if mount_type in ("bind", "cache", "tmpfs") and not strings.get("target"):
        raise Invalid(f"mount type={mount_type} requires a target")
    return Mount(
        type=mount_type,
        target=strings.get("target"),
        source=strings.get("source"),
        from_stage=strings.get("from"),
        readonly=bools.get("readonly"),
        id=strings.get("id"),
        sharing=sharing,
        mode=numbers.get("mode"),
        uid=numbers.get("uid"),
        gid=numbers.get("gid"),
        required=bools.get("required"),
        size=strings.get("size"),
        env=strings.get("env"),
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9}
_UNITS |= {"m": 60 * 10**9, "h": 3600 * 10**9}


def parse_duration(text: str) -> int:
    """Parse a Go duration (``30s``, ``1m30s``, ``1.5h``, ``0``) into nanoseconds."""
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    if body == "0":
        return 0
    pos, total = 0, 0.0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        if not match:
            raise Invalid(f"invalid duration {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not body:
        raise Invalid(f"invalid duration {text!r}")
    return sign * round(total)
