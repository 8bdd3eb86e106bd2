"""Local manifest lists: ``manifest create/add/annotate/inspect/rm/push``.

A list lives in ``ROOT/manifests.json`` as ``{"lists": {NAME: {"index": DIGEST, "blobs":
[...], "sources": {CHILD_DIGEST: SOURCE}}}}``. The index bytes are a blob of the store, and
``blobs`` (the index and the child manifests held locally) are gc roots. A child comes from the
store (``containers-storage:ID``) or from a registry (``docker://REPO@DIGEST``; only its
descriptor is fetched until the list is pushed). Pushing sends every child, then the index.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pallet.engine.context import Engine
from pallet.engine.images import normalize_name
from pallet.errors import Conflict, ImageNotFound, InvalidArgument, NotFound
from pallet.image.protocol import Image
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index
from pallet.oci.platform import Platform
from pallet.oci.reference import Reference
from pallet.store.atomic import atomic_write_json, read_json
from pallet.store.lock import FileLock

if TYPE_CHECKING:
    from pallet.transports.registry import Progress, RegistryOptions

__all__ = [
    "add_to_list",
    "annotate_list",
    "create_list",
    "inspect_list",
    "push_list",
    "remove_lists",
]

_FILE = "manifests.json"
_LOCAL = "containers-storage:"


@contextlib.contextmanager
def _lists(engine: Engine) -> Iterator[dict[str, Any]]:
    engine.root.ensure()
    with FileLock(engine.root.lock_path("manifests")):
        raw = read_json(engine.root.path / _FILE, {}) or {}
        lists: dict[str, Any] = raw.setdefault("lists", {})
        yield lists
        atomic_write_json(engine.root.path / _FILE, raw)


def _load(engine: Engine) -> dict[str, Any]:
    raw = read_json(engine.root.path / _FILE, {}) or {}
    return dict(raw.get("lists") or {})


def _find(lists: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    for key in (name, normalize_name(name)):
        if key in lists:
            return key, lists[key]
    try:
        alt = str(Reference.parse(name).docker_hub())
    except InvalidArgument:
        alt = ""
    if alt in lists:
        return alt, lists[alt]
    raise ImageNotFound(name, f"{name}: image not known (no such manifest list)")


def _save_index(engine: Engine, entry: dict[str, Any], index: Index) -> None:
    data = index.to_bytes()
    digest = engine.store.blobs.put(data)
    entry["index"] = digest
    local = [
        d.digest for d in index.manifests if entry["sources"].get(d.digest, "").startswith(_LOCAL)
    ]
    entry["blobs"] = [digest, *local]


def _index_of(engine: Engine, entry: dict[str, Any]) -> Index:
    return Index.from_bytes(engine.store.blobs.read(entry["index"]))


def create_list(engine: Engine, name: str) -> str:
    """A new, empty list (OCI image index); return the index digest."""
    full = normalize_name(name)
    with _lists(engine) as lists:
        if full in lists:
            raise Conflict(f"creating manifest list: {full}: a manifest list of this name exists")
        entry: dict[str, Any] = {"sources": {}}
        _save_index(engine, entry, Index(mt.OCI_INDEX, ()))
        lists[full] = entry
        return str(entry["index"])


def _platform_of(image: Image) -> Platform:
    cfg = image.config
    return Platform(cfg.os, cfg.architecture, cfg.variant, cfg.os_version)


def _descriptors(
    engine: Engine, image: str, all_: bool, opts: RegistryOptions | None
) -> list[tuple[Descriptor, str]]:
    """(descriptor, source) for every manifest ``image`` contributes."""
    if not image.startswith("docker://"):
        from pallet.engine.images import get_image

        try:
            local = get_image(engine, image.removeprefix("containers-storage:"))
        except ImageNotFound:
            if image.startswith("containers-storage:"):
                raise
        else:
            data = local.manifest_bytes
            desc = Descriptor(
                local.manifest.media_type or mt.OCI_MANIFEST,
                local.record.manifest_digest,
                len(data),
                platform=_platform_of(local),
            )
            return [(desc, f"containers-storage:{local.record.id}")]
    from pallet.transports.registry import RemoteIndex, read

    ref = Reference.parse(image.removeprefix("docker://"))
    ref = ref.docker_hub() if ref.is_short else ref
    got = read(ref, opts)
    repo = ref.repository
    if isinstance(got, RemoteIndex):
        if all_:
            return [(d, f"docker://{repo}@{d.digest}") for d in got.index.manifests]
        from pallet.oci.platform import host_platform

        got = got.resolve(host_platform())
    desc = Descriptor(
        got.manifest.media_type or mt.OCI_MANIFEST,
        got.digest,
        len(got.manifest_bytes),
        platform=_platform_of(got),
    )
    return [(desc, f"docker://{repo}@{got.digest}")]


def add_to_list(
    engine: Engine,
    name: str,
    image: str,
    *,
    all_: bool = False,
    options: RegistryOptions | None = None,
) -> str:
    """Add ``image`` (a store image or ``docker://REF``) to the list; return the list digest."""
    found = _descriptors(engine, image, all_, options)
    with _lists(engine) as lists:
        key, entry = _find(lists, name)
        index = _index_of(engine, entry)
        new = {d.digest for d, _ in found}
        kept = [d for d in index.manifests if d.digest not in new]
        for desc, source in found:
            entry["sources"][desc.digest] = source
        index = replace(index, manifests=(*kept, *(d for d, _ in found)))
        _save_index(engine, entry, index)
        lists[key] = entry
        return str(entry["index"])


def annotate_list(
    engine: Engine,
    name: str,
    digest: str,
    *,
    os: str = "",
    arch: str = "",
    variant: str = "",
    os_version: str = "",
    annotations: Sequence[str] = (),
) -> str:
    """Change the platform fields and annotations of the entry ``digest``."""
    extra: dict[str, str] = {}
    for item in annotations:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"no value given for annotation {key!r}")
        extra[key] = value
    with _lists(engine) as lists:
        key, entry = _find(lists, name)
        index = _index_of(engine, entry)
        out: list[Descriptor] = []
        hit = False
        for d in index.manifests:
            if d.digest == digest:
                hit = True
                p = d.platform or Platform("", "")
                p = Platform(
                    os or p.os,
                    arch or p.architecture,
                    variant or p.variant,
                    os_version or p.os_version,
                )
                d = replace(
                    d,
                    platform=p,
                    annotations=tuple(sorted({**dict(d.annotations), **extra}.items())),
                )
            out.append(d)
        if not hit:
            raise NotFound(f"manifest for image {digest} not found in manifest list {key}")
        _save_index(engine, entry, replace(index, manifests=tuple(out)))
        return str(entry["index"])


def inspect_list(engine: Engine, name: str) -> bytes:
    """The index bytes of the local list ``name``."""
    _key, entry = _find(_load(engine), name)
    return engine.store.blobs.read(entry["index"])


def remove_lists(engine: Engine, names: Sequence[str]) -> list[str]:
    """Delete lists (their blobs go at the next gc); return the removed names."""
    removed: list[str] = []
    with _lists(engine) as lists:
        for n in names:
            key, _entry = _find(lists, n)
            del lists[key]
            removed.append(key)
    return removed


class _ListIndex:
    """A local list through the ``ImageIndex`` protocol; children opened by their source."""

    def __init__(self, engine: Engine, entry: dict[str, Any], opts: RegistryOptions | None) -> None:
        self._engine = engine
        self._sources: dict[str, str] = entry["sources"]
        self._bytes = engine.store.blobs.read(entry["index"])
        self._opts = opts

    @property
    def index_bytes(self) -> bytes:
        return self._bytes

    @property
    def index(self) -> Index:
        return Index.from_bytes(self._bytes)

    def image(self, descriptor: Descriptor) -> Image:
        source = self._sources.get(descriptor.digest, "")
        if source.startswith("containers-storage:"):
            rec = self._engine.store.images.get(source.partition(":")[2])
            if rec is None:
                raise ImageNotFound(descriptor.digest)
            return self._engine.store.image(rec)
        from pallet.transports.registry import read_image

        return read_image(Reference.parse(source.removeprefix("docker://")), self._opts)


def push_list(
    engine: Engine,
    name: str,
    dest: str,
    *,
    options: RegistryOptions | None = None,
    progress: Progress | None = None,
) -> str:
    """Push every image of the list, then the list; return the digest of the index pushed."""
    from pallet.engine.pull import with_context
    from pallet.errors import PalletError
    from pallet.transports.registry import write_index

    _key, entry = _find(_load(engine), name)
    index = _ListIndex(engine, entry, options)
    ref = Reference.parse(dest.removeprefix("docker://"))
    ref = ref if (ref.tag or ref.digest) else ref.qualify()
    try:
        return write_index(ref, index, options, progress)
    except PalletError as exc:
        raise with_context(exc, f"writing to docker://{ref}") from None


def list_json(engine: Engine, name: str) -> Any:
    """The list as JSON (for ``manifest inspect``)."""
    return json.loads(inspect_list(engine, name))
