"""The taskgraph ``docker-image`` kind file: the list of images and how each is built.

A kind file maps image names to their definitions under ``tasks:`` (``jobs:`` in older
taskgraph), with ``task-defaults``/``job-defaults`` merged into every entry and further entries
in the files listed by ``tasks-from``/``jobs-from``, as taskgraph's transform loader does.
Keys pallet has no use for (``loader``, ``transforms``, ``kind-dependencies``, ``index``,
``cache``, ``arch`` ...) are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pallet.errors import InvalidArgument

__all__ = ["KIND_FILES", "KindEntry", "find_kind_file", "load_kind", "parse_kind"]

KIND_FILES = (
    Path("taskcluster/kinds/docker-image/kind.yml"),
    Path("taskcluster/ci/docker-image/kind.yml"),
)
"""Where taskgraph keeps the docker-image kind, newest layout first."""


@dataclass(frozen=True, slots=True)
class KindEntry:
    """One image as the kind file declares it."""

    name: str
    definition: str
    parent: str | None = None
    args: Mapping[str, str] = field(default_factory=dict, hash=False)
    symbol: str | None = None
    packages: tuple[str, ...] = ()
    source: Path | None = None


def find_kind_file(topsrcdir: Path) -> Path | None:
    """The docker-image kind file of a source tree, or None when it has none."""
    for relative in KIND_FILES:
        candidate = topsrcdir / relative
        if candidate.is_file():
            return candidate
    return None


def _merge(base: Any, over: Any) -> Any:
    """taskgraph's merge: mappings merge recursively, lists concatenate, anything else wins."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(over, list):
        return base + over
    return over


def _text(value: object, what: str, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{where}: {what} must be a string, not {value!r}")
    return value


def _entry(name: object, raw: object, where: str, source: Path | None) -> KindEntry:
    name = _text(name, "an image name", where)
    where = f"image {name}: {where}"
    if not isinstance(raw, dict):
        raise InvalidArgument(f"{where}: the definition must be a mapping")
    args = raw.get("args") or {}
    if not isinstance(args, dict):
        raise InvalidArgument(f"{where}: args must be a mapping")
    packages = raw.get("packages") or []
    if not isinstance(packages, list):
        raise InvalidArgument(f"{where}: packages must be a list")
    parent, symbol = raw.get("parent"), raw.get("symbol")
    return KindEntry(
        name=name,
        definition=_text(raw.get("definition", name), "definition", where),
        parent=None if parent is None else _text(parent, "parent", where),
        args={_text(k, "an arg name", where): _text(v, f"arg {k}", where) for k, v in args.items()},
        symbol=None if symbol is None else _text(symbol, "symbol", where),
        packages=tuple(_text(p, "a package", where) for p in packages),
        source=source,
    )


def _entries(tasks: object, defaults: object, where: str, source: Path | None) -> list[KindEntry]:
    if tasks is None:
        return []
    if not isinstance(tasks, dict):
        raise InvalidArgument(f"{where}: the image list must be a mapping of names")
    return [
        _entry(name, _merge(defaults, raw) if defaults else raw, where, source)
        for name, raw in tasks.items()
    ]


def parse_kind(data: object, kind_dir: Path, source: Path | None = None) -> tuple[KindEntry, ...]:
    """The images a parsed kind file declares; ``kind_dir`` resolves ``tasks-from`` files."""
    where = str(source or kind_dir / "kind.yml")
    if not isinstance(data, dict):
        raise InvalidArgument(f"{where}: not a mapping")
    defaults = data.get("task-defaults", data.get("job-defaults"))
    entries = _entries(data.get("tasks", data.get("jobs")), defaults, where, source)
    for filename in data.get("tasks-from", data.get("jobs-from")) or []:
        path = kind_dir / _text(filename, "a tasks-from entry", where)
        more = _load_yaml(path)
        if not isinstance(more, dict):
            raise InvalidArgument(f"{path}: not a mapping")
        file_defaults = more.pop("task-defaults", more.pop("job-defaults", None))
        if defaults:
            file_defaults = _merge(defaults, file_defaults or {})
        entries += _entries(more, file_defaults, str(path), path)
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            raise InvalidArgument(f"image {entry.name}: {where}: defined twice")
        seen.add(entry.name)
    return tuple(entries)


def _load_yaml(path: Path) -> object:
    import yaml  # only catalog verbs pay for PyYAML

    try:
        with path.open("rb") as fh:
            return yaml.safe_load(fh)
    except OSError as e:
        raise InvalidArgument(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise InvalidArgument(f"{path}: invalid YAML: {str(e).splitlines()[0]}") from None


def load_kind(path: Path) -> tuple[KindEntry, ...]:
    """Read a kind file and return the images it declares."""
    return parse_kind(_load_yaml(path), path.parent, path)
