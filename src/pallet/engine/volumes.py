"""Named volumes: directories under ``ROOT/volumes/NAME/_data`` with a small record."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from pallet.engine.container_records import ContainerRecord, load_containers
from pallet.engine.context import Engine
from pallet.errors import Conflict, InvalidArgument, VolumeNotFound
from pallet.store.store import now_rfc3339

__all__ = [
    "create_volume",
    "inspect_volume",
    "list_volumes",
    "prune_volumes",
    "remove_anonymous_volumes",
    "remove_volume",
    "volume_path",
]

_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


def _dir(engine: Engine, name: str) -> Path:
    if not _NAME.match(name):
        raise InvalidArgument(
            f'volume name "{name}" includes invalid characters, only '
            '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed'
        )
    return engine.root.volumes / name


def create_volume(
    engine: Engine,
    name: str = "",
    *,
    labels: dict[str, str] | None = None,
    ignore_existing: bool = False,
) -> dict[str, Any]:
    """Create a volume (a random name when none is given)."""
    name = name or secrets.token_hex(32)
    vdir = _dir(engine, name)
    engine.root.volumes.mkdir(parents=True, exist_ok=True)
    try:
        vdir.mkdir()
    except FileExistsError:
        if ignore_existing:
            return inspect_volume(engine, name)
        raise Conflict(f"volume with name {name} already exists: volume already exists") from None
    (vdir / "_data").mkdir()
    (vdir / "volume.json").write_text(
        json.dumps({"name": name, "created": now_rfc3339(), "labels": labels or {}})
    )
    return inspect_volume(engine, name)


def volume_path(engine: Engine, name: str, *, create: bool = False) -> Path:
    """The host directory of a volume (created on first use when ``create``)."""
    vdir = _dir(engine, name)
    if not vdir.is_dir():
        if not create:
            raise VolumeNotFound(name)
        create_volume(engine, name, ignore_existing=True)
    return vdir / "_data"


def inspect_volume(engine: Engine, name: str) -> dict[str, Any]:
    vdir = _dir(engine, name)
    try:
        meta = json.loads((vdir / "volume.json").read_text())
    except FileNotFoundError:
        raise VolumeNotFound(name) from None
    return {
        "Name": name,
        "Driver": "local",
        "Mountpoint": str(vdir / "_data"),
        "CreatedAt": meta.get("created", ""),
        "Labels": meta.get("labels") or {},
        "Scope": "local",
        "Options": {},
    }


def list_volumes(engine: Engine) -> list[dict[str, Any]]:
    vroot = engine.root.volumes
    names = sorted(os.listdir(vroot)) if vroot.is_dir() else []
    return [inspect_volume(engine, n) for n in names if (vroot / n / "volume.json").exists()]


def _users(engine: Engine, name: str) -> list[str]:
    return [
        r.name
        for r in load_containers(engine).values()
        if any(m.type == "volume" and m.source == name for m in r.options.mounts)
    ]


def remove_volume(engine: Engine, name: str, *, force: bool = False) -> None:
    vdir = _dir(engine, name)
    if not vdir.is_dir():
        raise VolumeNotFound(name)
    users = _users(engine, name)
    if users and not force:
        raise Conflict(
            f"volume {name} is being used by the following container(s): " + ", ".join(users)
        )
    if users:
        from pallet.engine.container_remove import remove_container

        for user in users:
            remove_container(engine, user, force=True)
    shutil.rmtree(vdir)


def prune_volumes(engine: Engine) -> list[str]:
    removed = []
    for vol in list_volumes(engine):
        if not _users(engine, vol["Name"]):
            remove_volume(engine, vol["Name"])
            removed.append(vol["Name"])
    return removed


def remove_anonymous_volumes(engine: Engine, rec: ContainerRecord) -> None:
    """``rm -v``: volumes made for this container alone (64-hex names) go with it."""
    for m in rec.options.mounts:
        anonymous = m.type == "volume" and re.fullmatch(r"[0-9a-f]{64}", m.source)
        if anonymous and not _users(engine, m.source):
            shutil.rmtree(engine.root.volumes / m.source, ignore_errors=True)
