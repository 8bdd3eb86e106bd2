"""Container records: what a container was created with, kept in ``containers.json``.

The record is written when a container is created and changed only by rename; everything that
changes while it runs (started, exit code, restarts) lives in the monitor's files in the
container's directory, so ``ps`` reads one index file plus a few small files per container.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pallet.engine.context import Engine
from pallet.engine.names import pick_name
from pallet.engine.records_file import RawTransaction, read_records
from pallet.errors import Conflict, ContainerNotFound, InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


__all__ = [
    "ContainerRecord",
    "CreateOptions",
    "MountSpec",
    "container_dir",
    "containers_transaction",
    "load_containers",
    "new_name",
    "resolve_container",
]

_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class MountSpec:
    """A user mount: ``bind`` (host path), ``volume`` (named volume) or ``tmpfs``."""

    type: str
    target: str
    source: str = ""
    options: tuple[str, ...] = ()

    @property
    def read_only(self) -> bool:
        return "ro" in self.options or "readonly" in self.options


@dataclass(frozen=True, slots=True)
class CreateOptions:
    """What ``create``/``run`` was asked for (docker's flags, as data)."""

    image: str
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    name: str = ""
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    hostname: str = ""
    tty: bool = False
    interactive: bool = False
    auto_remove: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    mounts: tuple[MountSpec, ...] = ()
    network: str = ""
    publish: tuple[str, ...] = ()
    read_only: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    security_opt: tuple[str, ...] = ()
    init: bool = False
    stop_signal: str = ""
    stop_timeout: int | None = None
    memory: int = 0
    cpus: float = 0.0
    pids_limit: int = 0
    ulimits: tuple[str, ...] = ()
    restart: str = "no"
    pull: str = "missing"
    platform: str = ""
    sysctls: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CreateOptions:
        kw: dict[str, Any] = {}
        for key, val in obj.items():
            if key not in cls.__dataclass_fields__:
                continue
            if key == "mounts":
                val = tuple(
                    MountSpec(
                        m["type"], m["target"], m.get("source", ""), tuple(m.get("options") or ())
                    )
                    for m in val
                )
            elif key in ("labels", "sysctls"):
                val = tuple(tuple(x) for x in val)
            elif isinstance(val, list):
                val = tuple(val)
            kw[key] = val
        return cls(**kw)


@dataclass(frozen=True, slots=True)
class ContainerRecord:
    """One container: identity, image, and the options it was created with."""

    id: str
    name: str
    image_id: str
    image_name: str
    created: str
    options: CreateOptions
    path: str = ""
    args: tuple[str, ...] = ()
    kind: str = "container"  # or "builder" for scripted-build working containers
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "image_id": self.image_id,
            "image_name": self.image_name,
            "created": self.created,
            "options": self.options.to_json(),
            "path": self.path,
            "args": list(self.args),
            "kind": self.kind,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ContainerRecord:
        return cls(
            obj["id"],
            obj["name"],
            obj["image_id"],
            obj.get("image_name", ""),
            obj.get("created", ""),
            CreateOptions.from_json(obj.get("options") or {}),
            obj.get("path", ""),
            tuple(obj.get("args") or ()),
            obj.get("kind", "container"),
            dict(obj.get("extra") or {}),
        )

    @property
    def short_id(self) -> str:
        return self.id[:12]


def container_dir(engine: Engine, cid: str) -> Path:
    return engine.root.containers / cid


def load_containers(engine: Engine) -> dict[str, ContainerRecord]:
    raw = read_records(str(engine.root.path))
    return {k: ContainerRecord.from_json(v) for k, v in raw.items()}


@contextmanager
def containers_transaction(engine: Engine) -> Iterator[dict[str, ContainerRecord]]:
    """Lock, load, let the caller change the records, write them back atomically."""
    with RawTransaction(str(engine.root.path)) as raw:
        records = {k: ContainerRecord.from_json(v) for k, v in raw.items()}
        yield records
        raw.clear()
        raw.update((k, v.to_json()) for k, v in records.items())


def resolve_container(
    engine: Engine, name: str, records: dict[str, ContainerRecord] | None = None
) -> ContainerRecord:
    """By exact name, full id, or unique id prefix (docker's order)."""
    recs = load_containers(engine) if records is None else records
    key = name.lstrip("/")
    for rec in recs.values():
        if rec.name == key:
            return rec
    if key in recs:
        return recs[key]
    if key and all(c in "0123456789abcdef" for c in key):
        hits = [r for r in recs.values() if r.id.startswith(key)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise Conflict(f"multiple containers found with ID prefix {key!r}")
    raise ContainerNotFound(name)


def check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise InvalidArgument(
            f'Invalid container name ("{name}"), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'
        )


def new_name(records: dict[str, ContainerRecord]) -> str:
    return pick_name({r.name for r in records.values()})
