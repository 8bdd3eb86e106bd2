"""``pallet copy SRC DST``: skopeo's copy between transports and the store.

Locations are written as skopeo writes them: ``docker://REF``, ``oci:DIR[:NAME]``,
``oci-archive:FILE[:NAME]``, ``docker-archive:FILE[:NAME]``, ``dir:DIR`` and
``containers-storage:NAME`` (or a bare name) for pallet's own store. Every transport reads to
and writes from the lazy ``pallet.image`` protocols, so a copy streams each blob once, and the
manifest, config and layer bytes stay as they were (digests survive) unless the destination
cannot hold them (docker-archive stores layers uncompressed) or ``--dest-compress-format``
asks for other layer compression. With ``--all`` an index is copied with every image in it;
without it an index is resolved to one platform.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from pallet.engine.context import Engine
from pallet.errors import ImageNotFound, InvalidArgument, PalletError
from pallet.image.protocol import Image, ImageIndex, Layer
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.oci.platform import Platform
from pallet.oci.reference import Reference

if TYPE_CHECKING:
    from pallet.transports.registry import Progress, RegistryOptions

__all__ = ["TRANSPORTS", "Location", "copy_image", "parse_location", "read_location"]

TRANSPORTS = ("docker", "oci", "oci-archive", "docker-archive", "dir", "containers-storage")
Item = Image | ImageIndex
_STORE = "containers-storage"


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed ``TRANSPORT:REST``: ``path`` for files and directories, ``name`` for a ref."""

    transport: str
    path: str = ""
    name: str = ""

    def __str__(self) -> str:
        if self.transport == "docker":
            return f"docker://{self.name}"
        rest = self.path + (f":{self.name}" if self.name and self.path else self.name)
        return f"{self.transport}:{rest}"


def parse_location(spec: str) -> Location:
    """Split ``spec``; a string without a known transport names an image of the store."""
    if spec.startswith("docker://"):
        return Location("docker", name=spec[len("docker://") :])
    transport, sep, rest = spec.partition(":")
    if sep and transport in TRANSPORTS and transport != "docker":
        if transport == "containers-storage":
            if rest.startswith("["):  # [driver@root+runroot]NAME: the store is ours
                rest = rest.partition("]")[2]
            return Location(transport, name=rest)
        if transport == "dir":
            return Location(transport, path=rest)
        path, _, name = rest.partition(":")
        if not path:
            raise InvalidArgument(f"invalid location {spec!r}: no path")
        return Location(transport, path=path, name=name)
    if sep and transport == "docker":
        raise InvalidArgument(f"invalid location {spec!r}: docker references start docker://")
    return Location("containers-storage", name=spec)


def _pick_platform(index: ImageIndex, platform: Platform | None) -> Image:
    from pallet.oci.platform import host_platform
    from pallet.transports.registry.remote import select_platform

    desc = select_platform(index.index, platform or host_platform())
    return index.image(desc)


def _from_list(items: list[tuple[Item, list[str]]], loc: Location) -> Item:
    if not items:
        raise ImageNotFound(str(loc), f"no image in {loc.transport} {loc.path}")
    if not loc.name:
        return items[0][0]
    want = {loc.name}
    try:
        ref = Reference.parse(loc.name)
        want |= {str(ref.qualify()), str(ref.docker_hub())}
    except PalletError:
        pass
    for item, names in items:
        if want & set(names):
            return item
    raise ImageNotFound(loc.name, f"no image named {loc.name!r} in {loc.transport} {loc.path}")


def read_location(
    engine: Engine,
    loc: Location,
    *,
    options: RegistryOptions | None = None,
    all_: bool = False,
    platform: Platform | None = None,
) -> Item:
    """The image (or, with ``all_``, the index) at ``loc``."""
    item: Item
    if loc.transport == "docker":
        from pallet.transports.registry import read

        item = read(Reference.parse(loc.name), options)
    elif loc.transport == "oci":
        from pallet.transports import layout

        item = layout.read(loc.path, loc.name or None)
    elif loc.transport == "oci-archive":
        from pallet.transports import oci_archive

        item = _from_list(oci_archive.read(loc.path), loc)
    elif loc.transport == "docker-archive":
        from pallet.transports import docker_archive

        listed: list[tuple[Item, list[str]]] = list(docker_archive.read(loc.path))
        item = _from_list(listed, loc)
    elif loc.transport == "dir":
        from pallet.transports import dir as dir_transport

        item = dir_transport.read(loc.path)
    else:
        from pallet.engine.images import get_image

        item = get_image(engine, loc.name)
    if not all_ and not isinstance(item, Image):
        return _pick_platform(item, platform)
    return item


class _Reported(io.RawIOBase):
    """A layer's stream that tells a Progress how far it has been read."""

    def __init__(self, raw: BinaryIO, digest: str, size: int, progress: Progress) -> None:
        super().__init__()
        self._raw, self._digest, self._progress, self._done = raw, digest, progress, 0
        progress.started(digest, size)

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        if n:
            self._done += n
            self._progress.advanced(self._digest, self._done)
        else:
            self._progress.finished(self._digest, "done")
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True, slots=True)
class _ReportedLayer:
    layer: Layer
    progress: Progress

    @property
    def descriptor(self) -> Descriptor:
        return self.layer.descriptor

    @property
    def diff_id(self) -> str:
        return self.layer.diff_id

    def open(self) -> BinaryIO:
        d = self.layer.descriptor
        raw = _Reported(self.layer.open(), d.digest, d.size, self.progress)
        return cast(BinaryIO, io.BufferedReader(raw, 1 << 20))


class _ReportedImage:
    """An image whose layers report progress as file transports read them."""

    def __init__(self, image: Image, progress: Progress) -> None:
        self._image = image
        self._progress = progress

    @property
    def manifest_bytes(self) -> bytes:
        return self._image.manifest_bytes

    @property
    def manifest(self) -> Manifest:
        return self._image.manifest

    @property
    def config_bytes(self) -> bytes:
        return self._image.config_bytes

    @property
    def config(self) -> ImageConfig:
        return self._image.config

    def layers(self) -> Sequence[Layer]:
        return [_ReportedLayer(la, self._progress) for la in self._image.layers()]


def _names_for(loc: Location, source: Item) -> list[str]:
    if loc.name:
        return [str(Reference.parse(loc.name).docker_hub())]
    names = getattr(getattr(source, "record", None), "names", ())
    return list(names)


def _write_file(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write an archive to ``path`` through a temporary file renamed into place."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as out:
            write(out)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _top_digest(item: Item) -> str:
    from pallet.transports.layout import top_descriptor

    return top_descriptor(item)[0].digest


def write_location(
    engine: Engine,
    loc: Location,
    item: Item,
    *,
    source: Item | None = None,
    options: RegistryOptions | None = None,
    progress: Progress | None = None,
) -> str:
    """Write ``item`` to ``loc``; return the digest of the manifest (or index) written."""
    if loc.transport == "docker":
        from pallet.transports.registry import write, write_index

        ref = Reference.parse(loc.name)
        ref = ref if (ref.tag or ref.digest) else ref.qualify()
        if isinstance(item, Image):
            return write(ref, item, options, progress)
        return write_index(ref, item, options, progress)
    if progress is not None and isinstance(item, Image) and loc.transport != _STORE:
        item = _ReportedImage(item, progress)  # the store reports for itself
    if loc.transport == "oci":
        from pallet.transports import layout

        layout.write(loc.path, item, loc.name)
    elif loc.transport == "oci-archive":
        from pallet.transports import oci_archive

        names = [loc.name] if loc.name else []
        _write_file(loc.path, lambda out: oci_archive.write(out, [(item, names)]))
    elif loc.transport == "docker-archive":
        from pallet.transports import docker_archive

        if not isinstance(item, Image):
            raise InvalidArgument("docker-archive cannot hold a multi-platform index: drop --all")
        image, tags = item, _names_for(loc, source or item)
        _write_file(loc.path, lambda out: docker_archive.write(out, [(image, tags)]))
    elif loc.transport == "dir":
        from pallet.transports import dir as dir_transport

        dir_transport.write(loc.path, item)
    else:
        return _into_store(engine, loc, item, options, progress)
    return _top_digest(item)


def _into_store(
    engine: Engine,
    loc: Location,
    item: Item,
    options: RegistryOptions | None,
    progress: Progress | None,
) -> str:
    from pallet.engine.images import normalize_name
    from pallet.engine.pull import store_image
    from pallet.oci.platform import host_platform

    names = [normalize_name(loc.name)] if loc.name else []
    workers = options.max_workers if options else 3
    if isinstance(item, Image):
        store_image(engine, item, names=names, progress=progress, max_workers=workers)
        return _top_digest(item)
    host = host_platform()
    for desc in item.index.manifests:  # every image; the name goes to the host's
        own = desc.platform is not None and host.matches(desc.platform)
        store_image(
            engine,
            item.image(desc),
            names=names if own else [],
            progress=progress,
            max_workers=workers,
        )
    return _top_digest(item)


def copy_image(
    engine: Engine,
    src: str,
    dst: str,
    *,
    all_: bool = False,
    platform: Platform | None = None,
    compression: str | None = None,
    force_compression: bool = False,
    options: RegistryOptions | None = None,
    progress: Progress | None = None,
) -> str:
    """Copy the image at ``src`` to ``dst``; return the digest written.

    ``compression`` (``gzip``/``zstd``) compresses uncompressed layers (all layers with
    ``force_compression``), which changes the manifest; otherwise bytes are kept.
    """
    from pallet.engine.pull import with_context
    from pallet.engine.push import compressed_image, parse_compression

    src_loc, dst_loc = parse_location(src), parse_location(dst)
    kind = parse_compression(compression)
    try:
        item = read_location(engine, src_loc, options=options, all_=all_, platform=platform)
    except PalletError as exc:
        raise with_context(exc, f"initializing source {src_loc}") from None
    try:
        if kind is None or not isinstance(item, Image):
            if kind is not None:
                raise InvalidArgument("--dest-compress-format cannot be used with --all")
            return write_location(
                engine, dst_loc, item, source=item, options=options, progress=progress
            )
        tmp = Path(engine.root.tmp)
        with compressed_image(item, tmp, kind, force=force_compression) as prepared:
            return write_location(
                engine, dst_loc, prepared, source=item, options=options, progress=progress
            )
    except PalletError as exc:
        raise with_context(exc, f"writing to {dst_loc}") from None
