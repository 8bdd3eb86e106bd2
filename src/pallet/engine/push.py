"""``pallet push``: an image of the store to a registry, and layer recompression for copies.

Blobs go up as they are stored: a gzip or zstd layer keeps its bytes and digest, so the pushed
manifest is the stored one, byte for byte. A layer stored uncompressed (``pallet import`` of a
plain tar, a ``dir:`` copy) is compressed on the fly, in parallel worker threads, into a
temporary file under the store's ``tmp/`` (the registry needs its digest and size before the
upload), and the manifest pushed names the compressed blobs instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pallet.archive import Compression, HashingWriter, open_compressor, open_decompressed, sniff
from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, PalletError
from pallet.image.protocol import Image, Layer
from pallet.oci import mediatypes as mt
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.oci.reference import Reference
from pallet.store.staging import staging_name

if TYPE_CHECKING:
    from pallet.transports.registry import Progress, RegistryOptions

__all__ = ["COMPRESSIONS", "compressed_image", "parse_compression", "push_image"]

COMPRESSIONS = {"gzip": Compression.GZIP, "zstd": Compression.ZSTD, "none": Compression.NONE}
_CHUNK = 1 << 20
_OCI_TYPES = {
    Compression.NONE: mt.OCI_LAYER,
    Compression.GZIP: mt.OCI_LAYER_GZIP,
    Compression.ZSTD: mt.OCI_LAYER_ZSTD,
}


def parse_compression(name: str | None) -> Compression | None:
    """``gzip``/``zstd``/``none`` (or None) as a Compression; InvalidArgument otherwise."""
    if not name:
        return None
    try:
        return COMPRESSIONS[name]
    except KeyError:
        raise InvalidArgument(
            f"unsupported compression format {name!r}: want gzip, zstd or none"
        ) from None


@dataclass(frozen=True, slots=True)
class _FileLayer:
    """A layer recompressed into a temporary file."""

    descriptor: Descriptor
    diff_id: str
    path: Path

    def open(self) -> BinaryIO:
        return open(self.path, "rb")


class _Recompressed:
    """``image`` with some layers replaced; the manifest is rewritten only if any were."""

    def __init__(self, image: Image, layers: Sequence[Layer], manifest_bytes: bytes) -> None:
        self._image = image
        self._layers = list(layers)
        self._manifest_bytes = manifest_bytes

    @property
    def manifest_bytes(self) -> bytes:
        return self._manifest_bytes

    @property
    def manifest(self) -> Manifest:
        return Manifest.from_bytes(self._manifest_bytes)

    @property
    def config_bytes(self) -> bytes:
        return self._image.config_bytes

    @property
    def config(self) -> ImageConfig:
        return self._image.config

    def layers(self) -> Sequence[Layer]:
        return list(self._layers)


def _layer_compression(layer: Layer) -> Compression:
    with layer.open() as fh:
        return sniff(fh.read(6))


def _media_type(docker: bool, kind: Compression) -> str:
    if docker and kind is Compression.GZIP:
        return mt.DOCKER_LAYER
    return _OCI_TYPES[kind]


def _recompress(layer: Layer, kind: Compression, tmpdir: Path, docker: bool) -> _FileLayer:
    path = tmpdir / staging_name("push")
    try:
        with open(path, "wb") as fh, layer.open() as src:
            hashed = HashingWriter(fh)
            sink = open_compressor(hashed, kind)  # type: ignore[arg-type]
            plain = open_decompressed(src)
            while chunk := plain.read(_CHUNK):
                sink.write(chunk)
            sink.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    desc = Descriptor(_media_type(docker, kind), hashed.digest, hashed.size)
    return _FileLayer(desc, layer.diff_id, path)


@contextlib.contextmanager
def compressed_image(
    image: Image,
    tmpdir: Path,
    kind: Compression | None,
    *,
    force: bool = False,
    max_workers: int = 3,
) -> Iterator[Image]:
    """``image`` with uncompressed layers compressed as ``kind`` (default gzip).

    With ``force`` every layer not already in ``kind`` is recompressed (``copy
    --dest-compress-format``). Temporary files are removed when the block ends.
    """
    want = kind or Compression.GZIP
    layers = list(image.layers())
    current = [_layer_compression(la) for la in layers]
    redo = [
        (c is Compression.NONE and want is not Compression.NONE) or (force and c is not want)
        for c in current
    ]
    if not any(redo):
        yield image
        return
    manifest = image.manifest
    docker = manifest.media_type == mt.DOCKER_MANIFEST and want is not Compression.ZSTD
    tmpdir.mkdir(parents=True, exist_ok=True)
    made: list[_FileLayer] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            futures = {
                i: pool.submit(_recompress, la, want, tmpdir, docker)
                for i, la in enumerate(layers)
                if redo[i]
            }
            for fut in futures.values():
                with contextlib.suppress(Exception):
                    made.append(fut.result())
            new_layers: list[Layer] = [
                futures[i].result() if i in futures else la for i, la in enumerate(layers)
            ]
        new_manifest = replace(
            manifest,
            media_type=manifest.media_type if docker else mt.OCI_MANIFEST,
            config=manifest.config
            if docker
            else replace(manifest.config, media_type=mt.OCI_CONFIG),
            layers=tuple(la.descriptor for la in new_layers),
        )
        yield _Recompressed(image, new_layers, new_manifest.to_bytes())
    finally:
        for f in made:
            with contextlib.suppress(OSError):
                os.unlink(f.path)


def push_image(
    engine: Engine,
    source: str,
    dest: str | None = None,
    *,
    compression: str | None = None,
    options: RegistryOptions | None = None,
    progress: Progress | None = None,
) -> str:
    """Push the store image ``source`` to ``dest`` (default: its own name); return the
    digest of the manifest pushed."""
    from pallet.engine.images import get_image
    from pallet.engine.pull import with_context
    from pallet.transports.registry import RegistryOptions, write

    opts = options or RegistryOptions()
    kind = parse_compression(compression)
    image = get_image(engine, source)
    target = Reference.parse((dest or source).removeprefix("docker://"))
    if target.is_short and dest is None:
        raise InvalidArgument(
            f"{source}: a short name cannot be pushed; tag it with a registry first"
        )
    ref = target if (target.tag or target.digest) else target.qualify()
    with compressed_image(image, engine.root.tmp, kind, max_workers=opts.max_workers) as prepared:
        try:
            return write(ref, prepared, opts, progress)
        except PalletError as exc:
            raise with_context(exc, f"writing to docker://{ref}") from None
