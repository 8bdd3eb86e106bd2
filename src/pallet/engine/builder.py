"""Scripted builds, buildah's way: working containers you mount, run in, copy into and commit.

A working container is a record in ``containers.json`` with ``kind="builder"`` (so ``rmi``
refuses the image it was made from) and a directory ``containers/ID/`` holding its overlay:
``layer/diff`` (the upper), ``work``, and ``merged`` (the mount point while mounted). Its
pending image config lives in the record's ``extra["config"]``. ``commit`` stores the upper
as one new layer on top of the base image's layers.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from pallet.build import instructions as ins
from pallet.build.context import BuildContext
from pallet.build.runner import RunMount, RunRequest
from pallet.build.sources import plan_copy
from pallet.engine.container_records import (
    ContainerRecord,
    CreateOptions,
    container_dir,
    containers_transaction,
    load_containers,
    resolve_container,
)
from pallet.engine.context import Engine
from pallet.errors import ContainerNotFound, InvalidArgument
from pallet.oci.config import ContainerConfig, History, ImageConfig
from pallet.oci.descriptor import Descriptor

__all__ = [
    "ConfigChanges",
    "builder_commit",
    "builder_config",
    "builder_copy",
    "builder_from",
    "builder_list",
    "builder_mount",
    "builder_remove",
    "builder_run",
    "builder_umount",
]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _get(engine: Engine, ref: str) -> ContainerRecord:
    rec = resolve_container(engine, ref)
    if rec.kind != "builder":
        raise ContainerNotFound(ref)
    return rec


def _config(rec: ContainerRecord) -> ImageConfig:
    return ImageConfig.from_json(rec.extra["config"])


def _save_config(engine: Engine, rec: ContainerRecord, config: ImageConfig) -> None:
    with containers_transaction(engine) as records:
        cur = records[rec.id]
        records[rec.id] = replace(cur, extra={**cur.extra, "config": config.to_json()})


def builder_from(engine: Engine, image: str, *, name: str = "") -> ContainerRecord:
    """Make a working container from ``image`` (or ``scratch``); nothing is mounted yet."""
    from pallet.engine.images import get_image
    from pallet.oci.platform import host_platform

    engine.root.ensure()
    if image == "scratch":
        plat = host_platform()
        config = ImageConfig(plat.architecture, plat.os, variant=plat.variant or "")
        image_id, image_name, base = "", "scratch", "scratch"
    else:
        img = get_image(engine, image)
        config = img.config
        image_id = img.record.id
        image_name = img.record.names[0] if img.record.names else image_id
        base = image_name.rpartition("/")[2].partition(":")[0] or image_id[7:19]
    cid = os.urandom(32).hex()
    with containers_transaction(engine) as records:
        if not name:
            taken = {r.name for r in records.values()}
            name = f"{base}-working-container"
            n = 1
            while name in taken:
                name = f"{base}-working-container-{n}"
                n += 1
        elif any(r.name == name for r in records.values()):
            raise InvalidArgument(f"the container name {name!r} is already in use")
        cdir = container_dir(engine, cid)
        (cdir / "layer" / "diff").mkdir(parents=True)
        rec = ContainerRecord(
            id=cid, name=name, image_id=image_id, image_name=image_name, created=_now(),
            options=CreateOptions(image=image), kind="builder",
            extra={"config": config.to_json()},
        )  # fmt: skip
        records[cid] = rec
    return rec


def _merged(engine: Engine, rec: ContainerRecord) -> Path:
    return container_dir(engine, rec.id) / "merged"


def builder_mount(engine: Engine, ref: str) -> str:
    """Mount the working container's filesystem (if it is not) and return where."""
    from pallet.runtime import is_mounted, mount_overlay

    rec = _get(engine, ref)
    cdir = container_dir(engine, rec.id)
    merged = cdir / "merged"
    if is_mounted(str(merged)):
        return str(merged)
    lowers: list[str] = []
    if rec.image_id:
        cfg = engine.store.image(engine.store.images.resolve(rec.image_id)).config
        lowers = [str(engine.store.layers.path(d)) for d in reversed(cfg.diff_ids)]
    if not lowers:
        (cdir / "empty").mkdir(exist_ok=True)
        lowers = [str(cdir / "empty")]
    mount_overlay(lowers, str(cdir / "layer" / "diff"), str(cdir / "work"), str(merged))
    return str(merged)


def builder_umount(engine: Engine, ref: str) -> None:
    """Unmount the working container's filesystem."""
    from pallet.runtime import unmount

    unmount(str(_merged(engine, _get(engine, ref))))


def builder_run(
    engine: Engine, ref: str, argv: list[str], *, volumes: list[str] = (),  # type: ignore[assignment]
    network: str = "host", stdio: tuple[int, int, int] = (0, 1, 2),
) -> int:  # fmt: skip
    """Run ``argv`` in the working container (``-v HOST:CTR[:ro]`` binds); return its status."""
    from pallet.engine.build_steps import missing_targets, remove_path, run_in_rootfs
    from pallet.runtime import is_mounted, unmount

    rec = _get(engine, ref)
    merged = _merged(engine, rec)
    was_mounted = is_mounted(str(merged))
    builder_mount(engine, ref)
    cfg = _config(rec).config
    mounts = []
    for vol in volumes:
        parts = vol.split(":")
        if len(parts) < 2:
            raise InvalidArgument(f"invalid volume {vol!r}: want HOST:CONTAINER[:ro]")
        mounts.append(RunMount("bind", parts[1], os.path.abspath(parts[0]),
                               readonly="ro" in parts[2:]))  # fmt: skip
    if not argv:
        argv = list((cfg.entrypoint or ()) + (cfg.cmd or ()))
    request = RunRequest(argv=tuple(argv), env=cfg.env, cwd=cfg.working_dir or "/",
                         user=cfg.user, mounts=tuple(mounts), network=network)  # fmt: skip
    bundle = container_dir(engine, rec.id) / f"run-{os.urandom(4).hex()}"
    bundle.mkdir()
    created = missing_targets(str(merged), request.mounts)
    try:
        return run_in_rootfs(engine, str(merged), bundle, request, stdio=stdio)
    finally:
        upper = container_dir(engine, rec.id) / "layer" / "diff"
        for top in created:  # mount points the runtime made are not the container's changes
            remove_path(upper / top.lstrip("/"))
        shutil.rmtree(bundle, ignore_errors=True)
        if not was_mounted:
            unmount(str(merged))


def builder_copy(
    engine: Engine, ref: str, sources: list[str], dest: str, *, add: bool = False,
    chown: str | None = None, chmod: str | None = None,
) -> None:  # fmt: skip
    """Copy host files (ADD: also URLs and archives, unpacked) into the working container."""
    from pallet.runtime import is_mounted, unmount

    rec = _get(engine, ref)
    srcs = tuple(s if "://" in s else os.path.abspath(s) for s in sources)
    fields = dict(line=0, end_line=0, original="", sources=srcs, dest=dest, chown=chown,
                  chmod=chmod)  # fmt: skip
    inst: ins.Copy | ins.Add = ins.Add(**fields) if add else ins.Copy(**fields)  # type: ignore[arg-type]
    scratch = container_dir(engine, rec.id) / "downloads"
    plan = plan_copy(inst, BuildContext(Path("/")), scratch=str(scratch))
    merged = _merged(engine, rec)
    was_mounted = is_mounted(str(merged))
    root = builder_mount(engine, ref)
    try:
        plan.fill(root, _config(rec).config.working_dir or "/")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not was_mounted:
            unmount(str(merged))


@dataclass(frozen=True, slots=True)
class ConfigChanges:
    """``builder config`` flags; ``None`` leaves a setting alone."""

    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    workingdir: str | None = None
    user: str | None = None
    stop_signal: str | None = None
    author: str | None = None


def builder_config(engine: Engine, ref: str, changes: ConfigChanges) -> None:
    """Change the image config the working container will be committed with."""
    rec = _get(engine, ref)
    image = _config(rec)
    cfg: ContainerConfig = image.config
    if changes.entrypoint is not None:
        cfg = replace(cfg, entrypoint=changes.entrypoint or None)
    if changes.cmd is not None:
        cfg = replace(cfg, cmd=changes.cmd or None)
    for item in changes.env:
        key, eq, val = item.partition("=")
        if key.endswith("-") and not eq:
            cfg = replace(cfg, env=tuple(e for e in cfg.env if e.partition("=")[0] != key[:-1]))
        else:
            cfg = cfg.with_env(key, val if eq else os.environ.get(key, ""))
    if changes.labels:
        labels = dict(cfg.labels)
        labels.update(item.partition("=")[::2] for item in changes.labels)
        cfg = replace(cfg, labels=tuple(sorted(labels.items())))
    if changes.ports:
        new = {p if "/" in p else f"{p}/tcp" for p in changes.ports}
        cfg = replace(cfg, exposed_ports=tuple(sorted(set(cfg.exposed_ports) | new)))
    if changes.volumes:
        cfg = replace(cfg, volumes=tuple(sorted(set(cfg.volumes) | set(changes.volumes))))
    if changes.workingdir is not None:
        cfg = replace(cfg, working_dir=changes.workingdir)
    if changes.user is not None:
        cfg = replace(cfg, user=changes.user)
    if changes.stop_signal is not None:
        cfg = replace(cfg, stop_signal=changes.stop_signal)
    image = replace(image, config=cfg)
    if changes.author is not None:
        image = replace(image, author=changes.author)
    _save_config(engine, rec, image)


def builder_commit(engine: Engine, ref: str, name: str | None = None) -> str:
    """Store the working container's changes as a new image (named ``name``); return its id."""
    from pallet.engine.build_steps import commit_image, store_upper
    from pallet.engine.images import normalize_name

    rec = _get(engine, ref)
    image = _config(rec)
    layers: tuple[Descriptor, ...] = ()
    if rec.image_id:
        layers = engine.store.image(engine.store.images.resolve(rec.image_id)).manifest.layers
    created = _now()
    with engine.store.writing():
        layer = store_upper(engine, container_dir(engine, rec.id) / "layer", mtime=None,
                            move=False)  # fmt: skip
        image = replace(
            image,
            created=created,
            diff_ids=(*image.diff_ids, layer.diff_id),
            history=(*image.history, History(created=created, created_by="pallet builder")),
        )
        names = (normalize_name(name),) if name else ()
        return commit_image(engine, image.to_bytes(), (*layers, layer.descriptor), names)


def builder_list(engine: Engine) -> list[ContainerRecord]:
    """Every working container."""
    return [r for r in load_containers(engine).values() if r.kind == "builder"]


def builder_remove(engine: Engine, refs: list[str], *, all_: bool = False) -> list[str]:
    """Unmount and delete working containers; return their ids."""
    from pallet.runtime import unmount

    targets = builder_list(engine) if all_ else [_get(engine, r) for r in refs]
    removed = []
    for rec in targets:
        unmount(str(_merged(engine, rec)))
        shutil.rmtree(container_dir(engine, rec.id), ignore_errors=True)
        with containers_transaction(engine) as records:
            records.pop(rec.id, None)
        removed.append(rec.id)
    return removed
