"""``pallet load``: docker-archive and oci-archive, compressed or not, from a file or a pipe.

The archive is read once, front to back, so a pipe works as well as a file: each member is
stored as a verified blob as it streams past, and members that are layer tars are unpacked in
the same pass. Only when the whole archive has been read are the images it describes recorded
(``manifest.json`` and ``index.json`` may come last); an interrupted load leaves only staged
files that the next writer or ``system check --repair`` clears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from pallet.archive import Header, TarReader, open_decompressed
from pallet.engine.context import Engine
from pallet.errors import InvalidArchive
from pallet.oci.manifest import Manifest
from pallet.store.images import ImageRecord
from pallet.store.ingest import ingest_layer, looks_like_tar, peek

__all__ = ["LoadedImage", "load_archive"]

_SMALL = 4 << 20  # JSON members (manifests, configs, index) are kept in memory up to this


@dataclass(frozen=True, slots=True)
class LoadedImage:
    record: ImageRecord
    names: list[str]


def _expected_digest(name: str) -> str | None:
    parts = name.split("/")
    if len(parts) >= 3 and parts[-3] == "blobs" and len(parts[-1]) == 64:
        return f"{parts[-2]}:{parts[-1]}"
    return None


def load_archive(engine: Engine, src: BinaryIO) -> list[LoadedImage]:
    """Load every image of a docker-archive or oci-archive stream into the store."""
    from pallet.transports.load_plan import plan_from_members

    store = engine.store
    files: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    links: dict[str, str] = {}
    sizes: dict[str, int] = {}
    with store.writing():
        reader = TarReader(open_decompressed(src, read_ahead=True))
        while (member := _next_member(reader)) is not None:
            name = member.name.lstrip("./") if member.name != "." else ""
            if member.is_link():
                links[name] = member.linkname
                continue
            if not member.is_file():
                continue
            sizes[name] = member.size
            expected = _expected_digest(name)
            head, body = peek(reader.data(), 1024)
            if member.size <= _SMALL and head[:1] in (b"{", b"["):
                data = body.read()
                files[name] = data
                digests[name] = store.blobs.put(data, expected)
            elif _is_layer(head):
                layer = ingest_layer(store, body, expected=expected, size=member.size)
                digests[name] = layer.digest
            else:
                with store.blobs.writer(expected, member.size) as w:
                    w.copy_from(body)
                    digests[name] = w.commit()
        resolved_links = {name: _resolve_link(name, target) for name, target in links.items()}
        for name, target in resolved_links.items():
            if target in sizes:
                sizes[name] = sizes[target]
        if not digests:
            raise InvalidArchive("not a docker-archive or oci-archive: the archive is empty")

        def blob_head(digest: str) -> bytes:
            with store.blobs.open(digest) as blob:
                return blob.read(512)

        plans = plan_from_members(
            files,
            digests,
            read_blob=store.blobs.read,
            member_sizes=sizes,
            links=resolved_links,
            blob_head=blob_head,
        )
        if not plans:
            raise InvalidArchive("no images found in the archive (no manifest.json/index.json)")
        loaded = []
        for plan in plans:
            manifest = Manifest.from_bytes(plan.manifest_bytes)
            config_bytes = store.blobs.read(manifest.config.digest)
            rec = store.add_image(plan.manifest_bytes, config_bytes, names=plan.names)
            loaded.append(LoadedImage(rec, list(plan.names)))
    return loaded


def _next_member(reader: TarReader) -> Header | None:
    at_start = reader.offset == 0
    try:
        return reader.next()
    except InvalidArchive as exc:
        if at_start:
            raise InvalidArchive("not a docker-archive or oci-archive: not a tar file") from None
        raise InvalidArchive(f"truncated or damaged archive: {exc}") from None


def _is_layer(head: bytes) -> bool:
    """A member whose (decompressed) head is a tar header: a layer. An empty layer is a tar of
    nothing but its end marker (1024 zero bytes)."""
    if looks_like_tar(head) or (len(head) >= 1024 and not any(head[:1024])):
        return True
    import io

    try:
        return looks_like_tar(open_decompressed(io.BytesIO(head)).read(512))
    except Exception:  # a head too short to decompress fully is still judged by its magic
        from pallet.archive import Compression, sniff

        return sniff(head) is not Compression.NONE


def _resolve_link(name: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    import posixpath

    return posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
