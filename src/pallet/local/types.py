"""docker-py's ``docker.types`` that the in-process client understands: Mount and Ulimit.

Both are dicts with Docker's wire keys, as docker-py's are, so either library's objects can
be passed to ``containers.run(mounts=..., ulimits=...)``.
"""

from __future__ import annotations

from typing import Any

from pallet.errors import InvalidArgument

__all__ = ["Mount", "Ulimit"]


class Mount(dict[str, Any]):
    """A mount for ``containers.run(mounts=[...])``: ``volume``, ``bind`` or ``tmpfs``."""

    def __init__(
        self,
        target: str,
        source: str | None,
        type: str = "volume",
        read_only: bool = False,
        consistency: str | None = None,
        propagation: str | None = None,
        no_copy: bool = False,
        labels: dict[str, str] | None = None,
        driver_config: Any = None,
        tmpfs_size: int | str | None = None,
        tmpfs_mode: int | None = None,
    ) -> None:
        super().__init__()
        if type not in ("bind", "volume", "tmpfs", "npipe"):
            raise InvalidArgument(f"Unsupported mount type: {type!r}")
        self["Target"] = target
        self["Source"] = source
        self["Type"] = type
        self["ReadOnly"] = read_only
        if consistency:
            self["Consistency"] = consistency
        if type == "bind" and propagation is not None:
            self["BindOptions"] = {"Propagation": propagation}
        if type == "volume" and (labels or no_copy):
            self["VolumeOptions"] = {"NoCopy": no_copy, "Labels": labels or {}}
        if type == "tmpfs" and (tmpfs_size or tmpfs_mode):
            opts: dict[str, Any] = {}
            if tmpfs_mode:
                opts["Mode"] = tmpfs_mode
            if tmpfs_size:
                opts["SizeBytes"] = tmpfs_size
            self["TmpfsOptions"] = opts

    @classmethod
    def parse_mount_string(cls, string: str) -> Mount:
        """``SRC:DST[:ro|rw]`` → a bind mount (absolute SRC) or a volume mount."""
        parts = string.split(":")
        if len(parts) > 3:
            raise InvalidArgument(f'Invalid mount format "{string}"')
        if len(parts) == 1:
            return cls(target=parts[0], source=None)
        target, source = parts[1], parts[0]
        read_only = len(parts) == 3 and parts[2] == "ro"
        kind = "bind" if source.startswith("/") else "volume"
        return cls(target, source, type=kind, read_only=read_only)


class Ulimit(dict[str, Any]):
    """A resource limit for ``containers.run(ulimits=[...])``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self["Name"] = kwargs.get("name", kwargs.get("Name"))
        self["Soft"] = kwargs.get("soft", kwargs.get("Soft"))
        self["Hard"] = kwargs.get("hard", kwargs.get("Hard"))

    @property
    def name(self) -> Any:
        return self["Name"]

    @property
    def soft(self) -> Any:
        return self["Soft"]

    @property
    def hard(self) -> Any:
        return self["Hard"]
