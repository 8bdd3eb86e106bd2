"""``commit`` (a container's changes become an image) and ``export`` (a flattened rootfs tar).

commit: the container's image plus one layer made from its overlay upper directory (overlay's
whiteouts become OCI ones), with a config that carries the container's settings (its command,
environment, working directory, user, labels) and then the ``--change`` instructions, as
``docker commit`` does. export: for a container, its merged rootfs; for an image (issue 2), the
image's layers mounted read-only as one overlay (the kernel applies the whiteouts), streamed as
a tar without copying the files anywhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from pallet.engine.changes import apply_changes
from pallet.engine.container_records import ContainerRecord, container_dir, resolve_container
from pallet.engine.container_state import read_state
from pallet.engine.context import Engine
from pallet.errors import ContainerNotFound, InvalidArgument, NotFound
from pallet.oci import mediatypes as mt
from pallet.oci.config import ContainerConfig, History
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.store.images import ImageRecord

__all__ = ["CommitOptions", "commit_container", "export_container", "export_image", "export_rootfs"]

_DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"
_TO_DOCKER = {
    mt.OCI_LAYER: _DOCKER_LAYER_TAR,
    mt.OCI_LAYER_GZIP: mt.DOCKER_LAYER,
}


@dataclass(frozen=True, slots=True)
class CommitOptions:
    """``docker commit``'s flags, as data."""

    reference: str = ""
    changes: tuple[str, ...] = ()
    message: str = ""
    author: str = ""
    pause: bool = True
    format: str = "oci"


def _container_config(rec: ContainerRecord, base: ContainerConfig) -> ContainerConfig:
    """The image's config with the container's own settings laid over it."""
    o = rec.options
    config = base
    for item in o.env:
        key, eq, val = item.partition("=")
        if eq:
            config = config.with_env(key, val)
        elif key in os.environ:
            config = config.with_env(key, os.environ[key])
    if o.entrypoint is not None:
        config = replace(config, entrypoint=o.entrypoint or None, cmd=o.command)
    elif o.command is not None:
        config = replace(config, cmd=o.command)
    if o.workdir:
        config = replace(config, working_dir=o.workdir)
    if o.user:
        config = replace(config, user=o.user)
    if o.labels:
        labels = dict(config.labels)
        labels.update(dict(o.labels))
        config = replace(config, labels=tuple(sorted(labels.items())))
    if o.stop_signal:
        config = replace(config, stop_signal=o.stop_signal)
    return config


def _ingest_upper(engine: Engine, upper: Path, gzip: bool) -> tuple[Descriptor, str]:
    """Store the layer made from ``upper``; return its descriptor (OCI media type) and diffID."""
    from pallet.archive import Compression, open_compressor, write_tree
    from pallet.store.ingest import ingest_layer

    r, w = os.pipe()
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(w, "wb") as raw:
                if gzip:
                    with open_compressor(raw, Compression.GZIP) as out:
                        write_tree(upper, out, from_overlay_upper=True)
                else:
                    write_tree(upper, raw, from_overlay_upper=True)
        except BaseException as exc:  # re-raised below, after the reader has stopped
            errors.append(exc)

    thread = threading.Thread(target=produce, name="pallet-commit", daemon=True)
    thread.start()
    try:
        with os.fdopen(r, "rb") as stream:
            layer = ingest_layer(engine.store, stream)
    except BaseException as exc:
        thread.join()
        if errors:  # the writer's failure is the cause of the reader's
            raise errors[0] from exc
        raise
    thread.join()
    if errors:
        raise errors[0]
    media = mt.OCI_LAYER_GZIP if gzip else mt.OCI_LAYER
    return Descriptor(media, layer.digest, layer.size), layer.diff_id


def commit_container(engine: Engine, name: str, opts: CommitOptions) -> ImageRecord:
    """``docker commit``: a new image from the container's image and its changes."""
    from pallet.engine.containers import pause_container, unpause_container
    from pallet.engine.images import normalize_name
    from pallet.store.store import now_rfc3339

    if opts.format not in ("oci", "docker"):
        raise InvalidArgument(f"unrecognized image format {opts.format!r}: want oci or docker")
    rec = resolve_container(engine, name)
    ref = normalize_name(opts.reference) if opts.reference else None
    image_rec = engine.store.images.get(rec.image_id)
    if image_rec is None:
        raise NotFound(f"image {rec.image_id[7:19]} of container {rec.name} is gone")
    parent = engine.store.image(image_rec)
    config = apply_changes(_container_config(rec, parent.config.config), list(opts.changes))
    docker = opts.format == "docker"
    paused = opts.pause and read_state(engine, rec).status == "running"
    if paused:
        pause_container(engine, rec.id)
    try:
        with engine.store.writing():
            upper = container_dir(engine, rec.id) / "upper"
            upper.mkdir(parents=True, exist_ok=True)
            layer, diff_id = _ingest_upper(engine, upper, gzip=docker)
            created = now_rfc3339()
            history = History(
                created=created,
                created_by=" ".join([rec.path, *rec.args]).strip(),
                author=opts.author,
                comment=opts.message,
            )
            image_config = replace(
                parent.config,
                config=config,
                diff_ids=(*parent.config.diff_ids, diff_id),
                history=(*parent.config.history, history),
                created=created,
                author=opts.author or parent.config.author,
            )
            config_bytes = image_config.to_bytes()
            config_digest = engine.store.blobs.put(config_bytes)
            layers = (*parent.manifest.layers, layer)
            if docker:
                layers = tuple(replace(d, media_type=_TO_DOCKER.get(d.media_type, d.media_type))
                               for d in layers)  # fmt: skip
            manifest = Manifest(
                media_type=mt.DOCKER_MANIFEST if docker else mt.OCI_MANIFEST,
                config=Descriptor(
                    mt.DOCKER_CONFIG if docker else mt.OCI_CONFIG, config_digest, len(config_bytes)
                ),
                layers=layers,
            )
            return engine.store.add_image(
                manifest.to_bytes(), config_bytes, names=[ref] if ref else []
            )
    finally:
        if paused:
            unpause_container(engine, rec.id)


def export_container(engine: Engine, name: str, out: BinaryIO) -> None:
    """``docker export``: the container's whole filesystem (image and changes) as a tar."""
    from pallet.archive import write_tree
    from pallet.engine.container_cp import mounted_rootfs

    rec = resolve_container(engine, name)
    with mounted_rootfs(engine, rec) as rootfs:
        write_tree(rootfs, out)


@contextmanager
def _image_rootfs(engine: Engine, layer_dirs: list[str]) -> Iterator[Path]:
    """The image's layers as one read-only overlay (whiteouts applied by the kernel)."""
    from pallet.runtime.rootfs import mount_overlay, unmount

    engine.root.tmp.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="export-", dir=engine.root.tmp))
    merged = scratch / "merged"
    try:
        # the upper stays empty: nothing writes through this mount, the tar only reads it
        mount_overlay(list(reversed(layer_dirs)), str(scratch / "upper"), str(scratch / "work"),
                      str(merged))  # fmt: skip
        try:
            yield merged
        finally:
            unmount(str(merged))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def export_image(engine: Engine, name: str, out: BinaryIO) -> None:
    """An image's flattened root filesystem as a tar (later layers' whiteouts applied)."""
    from pallet.archive import write_tree
    from pallet.engine.images import get_image

    image = get_image(engine, name)
    with _image_rootfs(engine, image.layer_dirs()) as rootfs:
        write_tree(rootfs, out)


def export_rootfs(engine: Engine, name: str, out: BinaryIO) -> str:
    """Export the container ``name``, or else the image ``name``; return which it was."""
    try:
        resolve_container(engine, name)
    except ContainerNotFound:
        try:
            export_image(engine, name, out)
        except NotFound:
            raise ContainerNotFound(name) from None
        return "image"
    export_container(engine, name, out)
    return "container"
