"""``pallet pull``: an image from a registry into the store, unpacked and ready to run.

Each layer streams from the registry through ``ingest_layer`` in its own worker thread: the
bytes are hashed, written as a blob, decompressed and extracted in one pass. Two checks guard
the commit of every layer: the registry reader refuses to hand out a blob's last bytes unless
its digest matched, and the blob writer checks digest and size again before publishing. Layers
whose blob and unpacked tree are already in the store are skipped, so a pull cut short resumes
from the layers that were verified before the cut. Only when every layer is in place is the
image recorded; a failed pull therefore leaves ``pallet images`` as it was.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, cast

from pallet.engine.context import Engine
from pallet.errors import InvalidArchive, InvalidArgument, PalletError, RegistryError
from pallet.image.protocol import Image, Layer
from pallet.oci import mediatypes as mt
from pallet.oci.platform import Platform
from pallet.oci.reference import Reference
from pallet.store.images import ImageRecord

if TYPE_CHECKING:
    from pallet.transports.config.registries import RegistriesConf
    from pallet.transports.registry import Progress, RegistryOptions

__all__ = ["pull_all_tags", "pull_candidates", "pull_image", "store_image", "with_context"]

_CHUNK = 1 << 20


class _ProgressReader(io.RawIOBase):
    """Counts bytes read from ``raw`` for a Progress (blobs from non-registry sources)."""

    def __init__(self, raw: BinaryIO, report: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._report = report
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        if n:
            self._done += n
            self._report(self._done)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def with_context(exc: PalletError, prefix: str) -> PalletError:
    """The same error (same class and fields) with ``prefix: `` in front, podman's wording."""
    cls = type(exc)
    new = cls.__new__(cls)
    new.__dict__.update(exc.__dict__)
    new.args = (f"{prefix}: {exc}",)
    return new


def _open_layer(layer: Layer, progress: Progress | None, client: object) -> BinaryIO:
    """A verifying reader of the layer's blob, reporting progress as it is read.

    ``client`` is the RegistryClient of a registry image (None otherwise): its blobs are read
    through a BlobReader, which reports bytes as they arrive and resumes a cut download.
    """
    desc = layer.descriptor
    report: Callable[[int], None] = (
        (lambda done: progress.advanced(desc.digest, done)) if progress else (lambda _n: None)
    )
    repo = getattr(layer, "repo", None)
    if client is not None and isinstance(repo, str):
        from pallet.transports.registry import BlobReader, RegistryClient

        assert isinstance(client, RegistryClient)
        raw = BlobReader(client, repo, desc.digest, desc.size, report)
        return cast(BinaryIO, io.BufferedReader(raw, _CHUNK))
    return cast(BinaryIO, io.BufferedReader(_ProgressReader(layer.open(), report), _CHUNK))


def _drain(src: BinaryIO) -> None:
    while src.read(_CHUNK):
        pass


def _ingest_one(engine: Engine, layer: Layer, progress: Progress | None, client: object) -> None:
    """Make the layer's blob and its unpacked tree exist in the store."""
    from pallet.store.ingest import ingest_layer

    store = engine.store
    desc = layer.descriptor
    has_blob, has_layer = store.blobs.has(desc.digest), store.layers.has(layer.diff_id)
    if has_blob and has_layer:
        if progress:
            progress.started(desc.digest, desc.size)
            progress.finished(desc.digest, "exists")
        return
    if progress:
        progress.started(desc.digest, desc.size)
    # cut between blob and unpack: unpack the verified local copy
    src = store.blobs.open(desc.digest) if has_blob else _open_layer(layer, progress, client)
    with src:
        if has_layer:
            with store.blobs.writer(desc.digest, desc.size) as w:
                w.copy_from(src)
                w.commit()
        else:
            try:
                ingest_layer(
                    store,
                    src,
                    expected=desc.digest,
                    size=desc.size,
                    expected_diff_id=layer.diff_id,
                    keep_compressed=True,
                )
            except InvalidArchive:
                _drain(src)  # a stream that does not decompress is most often corrupt bytes:
                raise  # the digest check at its end says so (DigestMismatch) if it is
    if progress:
        progress.finished(desc.digest, "done")


def store_image(
    engine: Engine,
    image: Image,
    *,
    names: Sequence[str] = (),
    digests: Sequence[str] = (),
    progress: Progress | None = None,
    max_workers: int = 3,
) -> ImageRecord:
    """Bring any lazy ``image`` (registry, archive, layout) into the store, digest-preserving.

    Layers go in parallel threads; the manifest and config bytes are stored exactly as given.
    """
    config_bytes = image.config_bytes
    layers: dict[str, Layer] = {}
    for layer in image.layers():
        if layer.descriptor.media_type == mt.DOCKER_FOREIGN_LAYER:
            raise InvalidArgument(f"foreign layer {layer.descriptor.digest} is not supported")
        layers.setdefault(layer.descriptor.digest, layer)
    store = engine.store
    client = getattr(image, "client", None)  # a RemoteImage's RegistryClient
    with store.writing():
        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            futures: list[Future[None]] = [
                pool.submit(_ingest_one, engine, la, progress, client) for la in layers.values()
            ]
            try:
                for fut in futures:
                    fut.result()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return store.add_image(image.manifest_bytes, config_bytes, names=names, digests=digests)


def _conf(opts: RegistryOptions) -> RegistriesConf:
    from pallet.transports.config.registries import RegistriesConf, load_registries_conf

    if isinstance(opts.registries_conf, RegistriesConf):
        return opts.registries_conf
    return load_registries_conf(opts.registries_conf)


def pull_candidates(ref: Reference, conf: RegistriesConf) -> list[Reference]:
    """Fully qualified references to try for ``ref``, short-name mode applied."""
    from pallet.transports.config.registries import resolve_short_name

    if not ref.is_short:
        return [ref]
    cands = resolve_short_name(ref, conf)
    if not cands:
        return [ref.docker_hub()]  # no search registries: docker's rule
    enforcing = conf.short_name_mode == "enforcing" and not conf.alias(ref.path)
    if len(cands) > 1 and enforcing and not (sys.stdin is not None and sys.stdin.isatty()):
        raise InvalidArgument(
            f'short-name "{ref}" resolves to several registries '
            f"({', '.join(c.domain for c in cands)}) and short-name-mode is enforcing: "
            "cannot prompt without a TTY; use a fully qualified name"
        )
    return cands


def _store_name(ref: Reference) -> list[str]:
    return [] if ref.digest and not ref.tag else [str(ref.qualify())]


def _pull_one(
    engine: Engine,
    ref: Reference,
    opts: RegistryOptions,
    platform: Platform | None,
    progress: Progress | None,
) -> ImageRecord:
    from pallet.oci.platform import host_platform
    from pallet.transports.registry import RemoteIndex, read

    got = read(ref, opts)
    repo = ref.repository
    digests = [f"{repo}@{got.digest}"]
    if isinstance(got, RemoteIndex):
        image = got.resolve(platform or opts.platform or host_platform())
        digests.append(f"{repo}@{image.digest}")
    else:
        image = got
    try:
        return store_image(
            engine,
            image,
            names=_store_name(ref),
            digests=digests,
            progress=progress,
            max_workers=opts.max_workers,
        )
    finally:
        image.client.close()


def pull_image(
    engine: Engine,
    name: str,
    *,
    platform: Platform | None = None,
    quiet: bool = False,
    progress: Progress | None = None,
    options: RegistryOptions | None = None,
) -> ImageRecord:
    """Pull ``name`` (short names resolved through registries.conf) into the store.

    ``quiet`` only drops ``progress``; errors come with podman's ``initializing source`` prefix.
    """
    from pallet.transports.registry import RegistryOptions

    opts = options or RegistryOptions()
    if platform is not None:
        opts = replace(opts, platform=platform)
    prog = None if quiet else progress
    ref = Reference.parse(name.removeprefix("docker://"))
    candidates = pull_candidates(ref, _conf(opts))
    last: PalletError | None = None
    for cand in candidates:
        cand = cand if (cand.tag or cand.digest) else cand.qualify()
        try:
            return _pull_one(engine, cand, opts, platform, prog)
        except RegistryError as exc:
            last = with_context(exc, f"initializing source docker://{cand}")
            if len(candidates) == 1 or exc.status not in (401, 403, 404):
                raise last from None
        except PalletError as exc:
            raise with_context(exc, f"copying image docker://{cand}: writing blob") from None
    assert last is not None
    raise last


def pull_all_tags(
    engine: Engine,
    name: str,
    *,
    platform: Platform | None = None,
    progress: Progress | None = None,
    options: RegistryOptions | None = None,
) -> list[ImageRecord]:
    """``pull --all-tags``: every tag of the repository ``name`` names."""
    from pallet.transports.registry import RegistryOptions, list_tags

    opts = options or RegistryOptions()
    ref = Reference.parse(name.removeprefix("docker://"))
    if ref.tag or ref.digest:
        raise InvalidArgument("tag or digest can't be used with --all-tags")
    ref = pull_candidates(ref, _conf(opts))[0]
    try:
        tags = list_tags(ref, opts)
    except RegistryError as exc:
        raise with_context(exc, f"listing tags of docker://{ref}") from None
    return [
        pull_image(engine, str(ref.with_tag(t)), platform=platform, progress=progress, options=opts)
        for t in tags
    ]
