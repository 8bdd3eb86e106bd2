"""Image configuration (OCI image-spec config.md, with Docker's extra fields kept).

Fields pallet does not model are kept in ``extra`` so that a config survives a round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from pallet.errors import InvalidArchive
from pallet.oci.canonical import canonical_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["ContainerConfig", "Healthcheck", "History", "ImageConfig"]

_CC_FIELDS = (
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
    "Healthcheck",
    "OnBuild",
    "Shell",
    "ArgsEscaped",
)


def _strs(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@dataclass(frozen=True, slots=True)
class Healthcheck:
    """Docker's HEALTHCHECK settings; durations are nanoseconds as on the wire."""

    test: tuple[str, ...] = ()
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Healthcheck:
        return cls(
            tuple(obj.get("Test") or ()),
            int(obj.get("Interval") or 0),
            int(obj.get("Timeout") or 0),
            int(obj.get("StartPeriod") or 0),
            int(obj.get("StartInterval") or 0),
            int(obj.get("Retries") or 0),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Test": list(self.test)}
        for key, val in (
            ("Interval", self.interval),
            ("Timeout", self.timeout),
            ("StartPeriod", self.start_period),
            ("StartInterval", self.start_interval),
            ("Retries", self.retries),
        ):
            if val:
                out[key] = val
        return out


@dataclass(frozen=True, slots=True)
class ContainerConfig:
    """The ``config`` object: what a container made from the image starts with."""

    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: tuple[str, ...] = ()
    working_dir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    stop_signal: str = ""
    healthcheck: Healthcheck | None = None
    on_build: tuple[str, ...] = ()
    shell: tuple[str, ...] = ()
    args_escaped: bool = False

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> ContainerConfig:
        if not obj:
            return cls()
        hc = obj.get("Healthcheck")
        return cls(
            user=str(obj.get("User") or ""),
            exposed_ports=tuple(sorted((obj.get("ExposedPorts") or {}).keys())),
            env=tuple(obj.get("Env") or ()),
            entrypoint=_strs(obj.get("Entrypoint")),
            cmd=_strs(obj.get("Cmd")),
            volumes=tuple(sorted((obj.get("Volumes") or {}).keys())),
            working_dir=str(obj.get("WorkingDir") or ""),
            labels=tuple(sorted((obj.get("Labels") or {}).items())),
            stop_signal=str(obj.get("StopSignal") or ""),
            healthcheck=Healthcheck.from_json(hc) if isinstance(hc, dict) else None,
            on_build=tuple(obj.get("OnBuild") or ()),
            shell=tuple(obj.get("Shell") or ()),
            args_escaped=bool(obj.get("ArgsEscaped")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.user:
            out["User"] = self.user
        if self.exposed_ports:
            out["ExposedPorts"] = {p: {} for p in self.exposed_ports}
        if self.env:
            out["Env"] = list(self.env)
        if self.entrypoint is not None:
            out["Entrypoint"] = list(self.entrypoint)
        if self.cmd is not None:
            out["Cmd"] = list(self.cmd)
        if self.volumes:
            out["Volumes"] = {v: {} for v in self.volumes}
        if self.working_dir:
            out["WorkingDir"] = self.working_dir
        if self.labels:
            out["Labels"] = dict(self.labels)
        if self.stop_signal:
            out["StopSignal"] = self.stop_signal
        if self.healthcheck is not None:
            out["Healthcheck"] = self.healthcheck.to_json()
        if self.on_build:
            out["OnBuild"] = list(self.on_build)
        if self.shell:
            out["Shell"] = list(self.shell)
        if self.args_escaped:
            out["ArgsEscaped"] = True
        return out

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    def env_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.env:
            key, _, val = item.partition("=")
            out[key] = val
        return out

    def with_env(self, key: str, value: str) -> ContainerConfig:
        """A copy with ``key=value`` set, replacing any earlier value in place."""
        items = [e for e in self.env if e.partition("=")[0] != key]
        existing = [i for i, e in enumerate(self.env) if e.partition("=")[0] == key]
        if existing:
            items.insert(existing[0], f"{key}={value}")
        else:
            items.append(f"{key}={value}")
        return replace(self, env=tuple(items))


@dataclass(frozen=True, slots=True)
class History:
    """One entry of an image's history."""

    created: str = ""
    created_by: str = ""
    author: str = ""
    comment: str = ""
    empty_layer: bool = False

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> History:
        return cls(
            str(obj.get("created") or ""),
            str(obj.get("created_by") or ""),
            str(obj.get("author") or ""),
            str(obj.get("comment") or ""),
            bool(obj.get("empty_layer")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.created:
            out["created"] = self.created
        if self.created_by:
            out["created_by"] = self.created_by
        if self.author:
            out["author"] = self.author
        if self.comment:
            out["comment"] = self.comment
        if self.empty_layer:
            out["empty_layer"] = True
        return out


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """An image configuration: platform, container defaults, diffIDs and history."""

    architecture: str
    os: str
    config: ContainerConfig = field(default_factory=ContainerConfig)
    diff_ids: tuple[str, ...] = ()
    history: tuple[History, ...] = ()
    created: str = ""
    author: str = ""
    variant: str = ""
    os_version: str = ""
    extra: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ImageConfig:
        try:
            rootfs = obj.get("rootfs") or {}
            known = {
                "architecture",
                "os",
                "config",
                "rootfs",
                "history",
                "created",
                "author",
                "variant",
                "os.version",
            }
            return cls(
                architecture=str(obj.get("architecture") or ""),
                os=str(obj.get("os") or ""),
                config=ContainerConfig.from_json(obj.get("config")),
                diff_ids=tuple(str(d) for d in rootfs.get("diff_ids") or ()),
                history=tuple(History.from_json(h) for h in obj.get("history") or ()),
                created=str(obj.get("created") or ""),
                author=str(obj.get("author") or ""),
                variant=str(obj.get("variant") or ""),
                os_version=str(obj.get("os.version") or ""),
                extra=tuple((k, v) for k, v in obj.items() if k not in known),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidArchive(f"invalid image config: {exc}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> ImageConfig:
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidArchive(f"invalid image config: {exc}") from None
        if not isinstance(obj, dict):
            raise InvalidArchive("invalid image config: not a JSON object")
        return cls.from_json(obj)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.created:
            out["created"] = self.created
        if self.author:
            out["author"] = self.author
        out["architecture"] = self.architecture
        if self.variant:
            out["variant"] = self.variant
        out["os"] = self.os
        if self.os_version:
            out["os.version"] = self.os_version
        out["config"] = self.config.to_json()
        out["rootfs"] = {"type": "layers", "diff_ids": list(self.diff_ids)}
        if self.history:
            out["history"] = [h.to_json() for h in self.history]
        for key, val in self.extra:
            out.setdefault(key, val)
        return out

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())
