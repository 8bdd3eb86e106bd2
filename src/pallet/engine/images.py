"""Image use cases on the local store: list, look up, inspect, tag, untag, remove, prune."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pallet.engine.context import Engine
from pallet.engine.usage import containers_using_images
from pallet.errors import Conflict, ImageNotFound, InvalidReference
from pallet.oci.reference import Reference
from pallet.store.images import ImageRecord
from pallet.store.store import StoreImage

__all__ = [
    "ImageSummary",
    "RemoveReport",
    "get_image",
    "inspect_image",
    "list_images",
    "normalize_name",
    "prune_images",
    "remove_images",
    "tag_image",
    "untag_image",
]


def normalize_name(name: str) -> str:
    """A name as the store keeps it: short names go to ``localhost/``, ``:latest`` added."""
    ref = Reference.parse(name)
    if ref.digest:
        raise InvalidReference(f"{name}: a tag name cannot contain a digest")
    return str(ref.qualify())


@dataclass(frozen=True, slots=True)
class ImageSummary:
    """One row of ``pallet images``: an image and one of its names (or none)."""

    record: ImageRecord
    repository: str
    tag: str
    digest: str
    size: int
    created: str
    labels: dict[str, str]
    dangling: bool
    containers: int


def get_image(engine: Engine, name: str) -> StoreImage:
    """The image a name, id or id prefix refers to; ImageNotFound otherwise."""
    record = engine.store.images.resolve(name)
    return engine.store.image(record)


def _diff_ids(engine: Engine, records: list[ImageRecord]) -> dict[str, tuple[str, ...]]:
    return {r.id: engine.store.image(r).config.diff_ids for r in records}


def intermediate_ids(engine: Engine, records: list[ImageRecord]) -> set[str]:
    """Nameless images that are parents of other images (build steps), as podman hides them:
    their layers are a prefix of another image's layers."""
    layers = _diff_ids(engine, records)
    out = set()
    for rec in records:
        if rec.names:
            continue
        mine = layers[rec.id]
        if any(
            other != rec.id and theirs[: len(mine)] == mine and len(theirs) >= len(mine)
            for other, theirs in layers.items()
        ):
            out.add(rec.id)
    return out


def list_images(engine: Engine, *, all_: bool = False) -> list[ImageSummary]:
    """Every image, one row per name (dangling images get one ``<none>`` row); intermediate
    build images only with ``all_``."""
    usage = containers_using_images(engine)
    rows: list[ImageSummary] = []
    records = sorted(engine.store.images, key=lambda r: (r.created, r.id), reverse=True)
    hidden = set() if all_ else intermediate_ids(engine, records)
    for rec in records:
        if rec.id in hidden:
            continue
        img = engine.store.image(rec)
        size = img.size
        labels = img.config.config.label_map
        digest = rec.manifest_digest
        names = rec.names or ("",)
        for name in names:
            repo, tag = ("<none>", "<none>")
            if name:
                repo, _, tag = name.rpartition(":")
            rows.append(
                ImageSummary(
                    rec,
                    repo,
                    tag,
                    digest,
                    size,
                    rec.created,
                    labels,
                    not rec.names,
                    len(usage.get(rec.id, ())),
                )
            )
    return rows


def inspect_image(engine: Engine, name: str) -> dict[str, Any]:
    """``pallet image inspect``: podman's field names and shapes."""
    img = get_image(engine, name)
    rec = img.record
    cfg = img.config
    repo_digests = list(rec.digests) or [
        f"{n.rpartition(':')[0]}@{rec.manifest_digest}" for n in rec.names
    ]
    return {
        "Id": rec.hex,
        "Digest": rec.manifest_digest,
        "RepoTags": list(rec.names),
        "RepoDigests": list(dict.fromkeys(repo_digests)),
        "Parent": "",
        "Comment": cfg.history[-1].comment if cfg.history else "",
        "Created": cfg.created or rec.created,
        "Config": cfg.config.to_json(),
        "Version": "",
        "Author": cfg.author,
        "Architecture": cfg.architecture,
        "Os": cfg.os,
        "Variant": cfg.variant or None,
        "Size": img.size,
        "VirtualSize": img.size,
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "LowerDir": ":".join(reversed(img.layer_dirs()[:-1])),
                "UpperDir": img.layer_dirs()[-1] if cfg.diff_ids else "",
            },
        },
        "RootFS": {"Type": "layers", "Layers": list(cfg.diff_ids)},
        "Labels": cfg.config.label_map or None,
        "Annotations": dict(img.manifest.annotations),
        "ManifestType": img.manifest.media_type,
        "User": cfg.config.user,
        "History": [h.to_json() for h in cfg.history],
        "NamesHistory": list(rec.names),
    }


def tag_image(engine: Engine, source: str, targets: list[str]) -> ImageRecord:
    """Add names to an image; a name already on another image moves here."""
    names = [normalize_name(t) for t in targets]
    record = engine.store.images.resolve(source)
    with engine.store.images.transaction() as records:
        for key, rec in list(records.items()):
            if key != record.id and any(n in rec.names for n in names):
                records[key] = replace(rec, names=tuple(x for x in rec.names if x not in names))
        current = records[record.id]
        records[record.id] = replace(
            current, names=tuple(dict.fromkeys(current.names + tuple(names)))
        )
        return records[record.id]


def untag_image(engine: Engine, source: str, targets: list[str]) -> ImageRecord:
    """Remove names from an image (all of them when ``targets`` is empty)."""
    record = engine.store.images.resolve(source)
    drop = {normalize_name(t) for t in targets}
    with engine.store.images.transaction() as records:
        current = records[record.id]
        if targets:
            missing = [
                t
                for t, n in zip(targets, [normalize_name(t) for t in targets], strict=True)
                if n not in current.names
            ]
            if missing:
                raise ImageNotFound(missing[0], f"{missing[0]}: tag not known")
            names = tuple(n for n in current.names if n not in drop)
        else:
            names = ()
        records[record.id] = replace(current, names=names)
        return records[record.id]


@dataclass(frozen=True, slots=True)
class RemoveReport:
    """What ``rmi`` did: names untagged and image ids deleted."""

    untagged: list[str]
    deleted: list[str]


def remove_images(
    engine: Engine, names: list[str], *, force: bool = False, all_: bool = False
) -> RemoveReport:
    """``rmi``: untag a name or delete an image; refuse images containers use unless forced."""
    from pallet.engine.gc import collect_unreferenced

    untagged: list[str] = []
    deleted: list[str] = []
    usage = containers_using_images(engine)
    records = engine.store.images.load()
    targets: list[tuple[str, ImageRecord]] = []
    if all_:
        targets = [(r.id, r) for r in records.values()]
    else:
        for name in names:
            targets.append((name, engine.store.images.resolve(name)))
    with engine.store.images.transaction() as current:
        for name, rec in targets:
            live = current.get(rec.id)
            if live is None:
                continue
            by_name = not all_ and not _is_id(name, rec) and len(live.names) > 1
            if by_name:
                full = _full_name(name, live)
                current[rec.id] = replace(live, names=tuple(n for n in live.names if n != full))
                untagged.append(full)
                continue
            users = usage.get(rec.id, [])
            if users and not force:
                raise Conflict(
                    f"image used by {users[0]}: image is in use by a container: consider "
                    "listing external containers and force-removing image"
                )
            if users and force:
                from pallet.engine.usage import remove_containers_of_image

                remove_containers_of_image(engine, rec.id)
            if len(live.names) > 1 and not force and not all_:
                raise Conflict(
                    f"unable to delete image {rec.hex[:12]} by ID with more than one tag "
                    f"({list(live.names)}): please force removal"
                )
            untagged.extend(live.names)
            del current[rec.id]
            deleted.append(rec.hex)
    collect_unreferenced(engine)
    return RemoveReport(untagged, deleted)


def _is_id(name: str, rec: ImageRecord) -> bool:
    bare = name.removeprefix("sha256:")
    return rec.hex.startswith(bare) and all(c in "0123456789abcdef" for c in bare)


def _full_name(name: str, rec: ImageRecord) -> str:
    from pallet.store.images import candidates

    ref = Reference.parse(name)
    for cand in candidates(ref):
        if cand in rec.names:
            return cand
    tag = ref.tag or "latest"
    for n in rec.names:
        if n.endswith(f"/{ref.path}:{tag}"):
            return n
    return rec.names[0]


def prune_images(engine: Engine, *, all_: bool = False) -> list[str]:
    """Remove dangling images (``all_``: every image no container uses); return their ids."""
    from pallet.engine.gc import collect_unreferenced

    usage = containers_using_images(engine)
    removed: list[str] = []
    keep = set() if all_ else intermediate_ids(engine, list(engine.store.images))
    with engine.store.images.transaction() as records:
        for key, rec in list(records.items()):
            if rec.id in usage or rec.id in keep:
                continue
            if not rec.names or all_:
                del records[key]
                removed.append(rec.hex)
    if removed:
        collect_unreferenced(engine)
    return removed
