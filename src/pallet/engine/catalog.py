"""The store side of image catalogs: image.tar.zst artifacts in and out.

An artifact is what a taskgraph image task publishes: a ``docker save`` archive (one image,
``RepoTags`` ``[NAME:CONTEXT_HASH]``) compressed with zstd. :func:`save_artifact` writes one
from a store image, atomically (a temporary file renamed into place, so a failed or
interrupted save leaves nothing); :func:`load_artifact` loads one (compressed or not, from a
file, a pipe or an HTTP response) and names it as taskgraph's ``load-image`` does: with the
tag in the archive, or with the one asked for instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pallet.engine.context import Engine
from pallet.engine.images import normalize_name
from pallet.errors import InvalidArchive
from pallet.store.images import ImageRecord

__all__ = ["LoadedArtifact", "load_artifact", "save_artifact", "set_names"]


@dataclass(frozen=True, slots=True)
class LoadedArtifact:
    """The image an artifact held, and the names it now has because of the load."""

    record: ImageRecord
    names: tuple[str, ...]


def save_artifact(
    engine: Engine, image_id: str, repo_tag: str, path: Path, *, level: int, threads: int = -1
) -> int:
    """Write the store image ``image_id`` as a zstd docker-archive at ``path``; return its size.

    ``repo_tag`` (``NAME:CONTEXT_HASH``) is written as given in ``manifest.json`` and
    ``repositories``, as ``docker save NAME:HASH`` would. ``level`` is the zstd level;
    ``threads`` zstd's worker threads (-1: one per CPU).
    """
    import zstandard

    from pallet.transports import docker_archive

    record = engine.store.images.resolve(image_id)
    image = engine.store.image(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        with tmp.open("wb") as fh:
            compressor = zstandard.ZstdCompressor(level=level, threads=threads, write_checksum=True)
            with compressor.stream_writer(fh, closefd=False) as sink:
                docker_archive.write(sink, [(image, [repo_tag])], tmpdir=str(engine.root.tmp))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def set_names(engine: Engine, image_id: str, names: list[str]) -> ImageRecord:
    """Give the store image ``image_id`` these names too (moving them off other images)."""
    from pallet.engine.images import tag_image

    return tag_image(engine, image_id, names)


def load_artifact(engine: Engine, src: BinaryIO, *, tag: str | None = None) -> LoadedArtifact:
    """Load a one-image docker-archive (an image.tar.zst) and name it.

    Without ``tag`` the image keeps the names its archive gives (``NAME:CONTEXT_HASH`` for a
    catalog artifact). With ``tag`` (``name[:tag]``, ``latest`` by default) it gets that name
    instead, and the archive's names are not added, as taskgraph's ``load-image -t`` rewrites
    ``RepoTags`` before loading. Raises InvalidArchive for an archive of several images.
    """
    from dataclasses import replace

    from pallet.engine.load import load_archive

    before = {r.id: set(r.names) for r in engine.store.images.load().values()}
    loaded = load_archive(engine, src)
    if len({item.record.id for item in loaded}) != 1:
        raise InvalidArchive("an image artifact must hold exactly one image")
    record = loaded[0].record
    archive_names = [n for item in loaded for n in item.names]
    if tag is None:
        return LoadedArtifact(record, tuple(dict.fromkeys(archive_names)))
    wanted = normalize_name(tag)
    added = {n for n in archive_names if n not in before.get(record.id, set())}
    with engine.store.images.transaction() as records:
        current = records[record.id]
        records[record.id] = replace(
            current, names=tuple(n for n in current.names if n not in added)
        )
    record = set_names(engine, record.id, [wanted])
    return LoadedArtifact(record, (wanted,))
