"""The image index: every image record in one file, ``images.json``, rewritten atomically.

An image's id is its config digest (as docker and podman use). A record names the manifest blob
it was stored with and the names (``registry/path:tag``) that point at it; a name belongs to one
image at most, so tagging moves it. Readers need no lock (the file is replaced atomically);
writers take the index lock for the whole read-modify-write.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from pallet.errors import ImageNotFound, InvalidReference
from pallet.oci.reference import DOCKER_HUB, LOCALHOST, Reference
from pallet.store.atomic import atomic_write_json, read_json
from pallet.store.lock import FileLock
from pallet.store.root import StoreRoot

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


__all__ = ["ImageIndex", "ImageRecord"]

_HEX = re.compile(r"^(?:sha256:)?([0-9a-f]{3,64})$")


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """One image in the store."""

    id: str  # sha256:HEX of the config
    manifest_digest: str
    manifest_media_type: str
    names: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()  # repo@sha256:… digests the image is known by
    created: str = ""
    added: str = ""
    annotations: tuple[tuple[str, str], ...] = field(default=())

    @property
    def hex(self) -> str:
        return self.id.partition(":")[2]

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ImageRecord:
        return cls(
            id=obj["id"],
            manifest_digest=obj["manifest_digest"],
            manifest_media_type=obj.get("manifest_media_type", ""),
            names=tuple(obj.get("names") or ()),
            digests=tuple(obj.get("digests") or ()),
            created=obj.get("created", ""),
            added=obj.get("added", ""),
            annotations=tuple(sorted((obj.get("annotations") or {}).items())),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "manifest_digest": self.manifest_digest,
            "manifest_media_type": self.manifest_media_type,
            "names": list(self.names),
            "digests": list(self.digests),
            "created": self.created,
            "added": self.added,
            "annotations": dict(self.annotations),
        }


class ImageIndex:
    """Reads and changes ``images.json``."""

    def __init__(self, root: StoreRoot) -> None:
        self.root = root

    def load(self) -> dict[str, ImageRecord]:
        raw = read_json(self.root.images_file, {}) or {}
        return {k: ImageRecord.from_json(v) for k, v in raw.get("images", {}).items()}

    def __iter__(self) -> Iterator[ImageRecord]:
        return iter(self.load().values())

    @contextmanager
    def transaction(self) -> Iterator[dict[str, ImageRecord]]:
        """Lock, load, let the caller change the dict, write it back atomically."""
        self.root.locks.mkdir(parents=True, exist_ok=True)
        with FileLock(self.root.lock_path("images")):
            records = self.load()
            yield records
            atomic_write_json(
                self.root.images_file,
                {"version": 1, "images": {k: v.to_json() for k, v in records.items()}},
            )

    # -- lookups ------------------------------------------------------------------------

    def resolve(self, name: str) -> ImageRecord:
        """Find an image by id, id prefix, name or digest reference, as podman does."""
        return resolve_in(self.load(), name)

    def get(self, image_id: str) -> ImageRecord | None:
        return self.load().get(image_id)


def candidates(ref: Reference) -> list[str]:
    """Full names a (possibly short) reference may stand for, most likely first."""
    if ref.domain:
        return [str(ref.qualify())]
    return [str(ref.qualify(LOCALHOST)), str(ref.qualify(DOCKER_HUB))]


def resolve_in(records: dict[str, ImageRecord], name: str) -> ImageRecord:
    """Resolve ``name`` among ``records`` (ids, id prefixes, names, digests)."""
    m = _HEX.match(name)
    if m:
        hexpart = m.group(1)
        hits = [r for r in records.values() if r.hex.startswith(hexpart)]
        if len(hits) == 1 and (len(hexpart) >= 3 or name.startswith("sha256:")):
            return hits[0]
        if len(hits) > 1:
            raise ImageNotFound(name, f"short id {name!r} is ambiguous")
    try:
        ref = Reference.parse(name)
    except InvalidReference:
        if m:
            raise ImageNotFound(name) from None
        raise
    if ref.digest:
        for r in records.values():
            if r.manifest_digest == ref.digest or any(
                d.endswith("@" + ref.digest) for d in r.digests
            ):
                return r
        raise ImageNotFound(name)
    by_name = {n: r for r in records.values() for n in r.names}
    for cand in candidates(ref):
        if cand in by_name:
            return by_name[cand]
    if ref.is_short:
        tag = ref.tag or "latest"
        hits = [
            r
            for n, r in by_name.items()
            if n.rsplit(":", 1)[1] == tag and n.rsplit(":", 1)[0].endswith("/" + ref.path)
        ]
        if len({r.id for r in hits}) == 1:
            return hits[0]
    raise ImageNotFound(name)


def with_names(record: ImageRecord, names: tuple[str, ...]) -> ImageRecord:
    return replace(record, names=names)
