"""``create``: resolve the image, decide the command, and record a new container."""

from __future__ import annotations

import os
from dataclasses import replace

from pallet.engine.container_records import (
    ContainerRecord,
    CreateOptions,
    check_name,
    container_dir,
    containers_transaction,
    new_name,
)
from pallet.engine.context import Engine
from pallet.errors import Conflict, ImageNotFound, InvalidArgument
from pallet.store.store import StoreImage, now_rfc3339

__all__ = ["create_container", "find_or_pull_image", "resolve_command"]


def find_or_pull_image(
    engine: Engine, name: str, policy: str = "missing", platform: str = ""
) -> StoreImage:
    """The image to run: from the store, or pulled as ``--pull`` says."""

    if policy not in ("missing", "always", "never", "newer"):
        raise InvalidArgument(
            f"invalid pull policy {policy!r}: want always, missing, never or newer"
        )
    if policy in ("missing", "newer", "never"):
        try:
            return engine.store.image(engine.store.images.resolve(name))
        except ImageNotFound:
            if policy == "never":
                raise
    try:
        from pallet.engine.pull import pull_image  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ImageNotFound(name, f"Unable to find image '{name}' locally") from None
    try:
        from pallet.oci.platform import Platform

        record = pull_image(
            engine, name, platform=Platform.parse(platform) if platform else None, quiet=True
        )
    except ImageNotFound:
        raise
    except Exception as exc:  # the pull's own error, after docker's first line
        ref = name if ":" in name.rsplit("/", 1)[-1] or "@" in name else f"{name}:latest"
        raise ImageNotFound(name, f"Unable to find image '{ref}' locally\n{exc}") from None
    return engine.store.image(record)


def resolve_command(image: StoreImage, opts: CreateOptions) -> tuple[str, ...]:
    """Docker's rule: ``--entrypoint`` resets the image's CMD; a given command replaces it."""
    cfg = image.config.config
    if opts.entrypoint is not None:
        entry = opts.entrypoint
        cmd = opts.command or ()
    else:
        entry = cfg.entrypoint or ()
        cmd = opts.command if opts.command else (cfg.cmd or ())
    args = tuple(entry) + tuple(cmd)
    if not args:
        raise InvalidArgument("no command specified")
    return args


def create_container(
    engine: Engine, opts: CreateOptions, *, kind: str = "container", image: StoreImage | None = None
) -> ContainerRecord:
    """Make the container's record and directory; nothing runs yet."""
    img = image or find_or_pull_image(engine, opts.image, opts.pull, opts.platform)
    args = resolve_command(img, opts) if kind == "container" else ()
    if opts.name:
        check_name(opts.name)
    cid = os.urandom(32).hex()
    engine.root.ensure()
    with containers_transaction(engine) as records:
        name = opts.name or new_name(records)
        for rec in records.values():
            if rec.name == name:
                raise Conflict(
                    f'the container name "{name}" is already in use by "{rec.id}". You have '
                    "to remove (or rename) that container to be able to reuse that name"
                )
        record = ContainerRecord(
            id=cid,
            name=name,
            image_id=img.record.id,
            image_name=opts.image,
            created=now_rfc3339(),
            options=replace(opts, name=name),
            path=args[0] if args else "",
            args=args[1:],
            kind=kind,
        )
        os.makedirs(container_dir(engine, cid), mode=0o700)
        records[cid] = record
    return record
