"""The engine's StepRunner: build steps on the real store, overlay mounts and OCI runtime.

A step that changes files mounts an overlay of its parent's layers over a fresh upper
directory under ``ROOT/tmp``, lets COPY write or runs the RUN command with ``runc run`` in the
foreground (the step's output is the build's output), unmounts, and stores the upper
directory itself as the new layer: it already is a layer in the store's overlay form, so the
only extra work is one deterministic tar of it for the blob (its digest is the diffID).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pallet.build.copier import resolve_in_root
from pallet.build.runner import ImageState, LayerRef, RunMount, RunRequest, StepFailed
from pallet.engine.context import Engine
from pallet.errors import ImageNotFound
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Manifest
from pallet.store.staging import staging_name
from pallet.store.store import StoreImage

__all__ = ["EngineStepRunner", "commit_image", "image_state", "store_upper"]


def image_state(engine: Engine, image_id: str) -> ImageState:
    """An image of the store as the executor sees it."""
    record = engine.store.images.get(image_id)
    if record is None:
        raise ImageNotFound(image_id)
    img = engine.store.image(record)
    return ImageState(record.id, img.config, img.manifest.layers)


def commit_image(
    engine: Engine, config: bytes, layers: tuple[Descriptor, ...], names: tuple[str, ...] = ()
) -> str:
    """Store an image from its config bytes and (already stored) layers; return its id."""
    digest = engine.store.blobs.put(config)
    manifest = Manifest(
        media_type=mt.OCI_MANIFEST,
        config=Descriptor(mt.OCI_CONFIG, digest, len(config)),
        layers=layers,
    )
    return engine.store.add_image(manifest.to_bytes(), config, names=list(names)).id


def store_upper(engine: Engine, layer_dir: Path, *, mtime: int | None, move: bool) -> LayerRef:
    """Store the overlay upper ``layer_dir/diff`` as a layer: its tar becomes the blob.

    With ``move`` the directory itself becomes the unpacked layer (a build step's upper is
    thrown away afterwards); otherwise the layer is unpacked from the tar (a working
    container keeps its upper).
    """
    from pallet.archive.tarball import write_tree

    store = engine.store
    with store.blobs.writer() as writer:
        write_tree(layer_dir / "diff", writer, from_overlay_upper=True, mtime=mtime)  # type: ignore[arg-type]
        digest = writer.commit()
    size = writer.size
    if move:
        store.layers.commit(layer_dir, digest, size=size, files=0)
    elif not store.layers.has(digest):
        from pallet.store.ingest import ingest_layer

        with store.blobs.open(digest) as fh:
            ingest_layer(store, fh, expected=digest)
    return LayerRef(Descriptor(mt.OCI_LAYER, digest, size), digest)


@contextmanager
def mounted(engine: Engine, diff_ids: tuple[str, ...], step: Path) -> Iterator[Path]:
    """Mount ``diff_ids`` (base first) at ``step/merged`` over ``step/layer/diff``."""
    from pallet.runtime import mount_overlay, unmount

    lowers = [str(engine.store.layers.path(d)) for d in reversed(diff_ids)]
    merged = step / "merged"
    if not lowers:
        (step / "empty").mkdir(parents=True, exist_ok=True)
        lowers = [str(step / "empty")]
    mount_overlay(lowers, str(step / "layer" / "diff"), str(step / "work"), str(merged))
    try:
        yield merged
    finally:
        unmount(str(merged))


class EngineStepRunner:
    """Build steps against ``engine``'s store; RUN output goes to ``stdout``/``stderr``."""

    def __init__(
        self, engine: Engine, *, mtime: int | None = None, stdout: int = 1, stderr: int = 2
    ) -> None:
        self.engine = engine
        self.mtime = mtime
        self.stdout = stdout
        self.stderr = stderr

    # -- images -----------------------------------------------------------------------------

    def base_image(self, ref: str, *, platform: str | None, pull: str) -> ImageState:
        from pallet.engine.images import get_image

        try:
            if pull == "always":
                raise ImageNotFound(ref)
            img = get_image(self.engine, ref)
        except ImageNotFound:
            img = self._pull(ref, platform, pull)
        return ImageState(img.record.id, img.config, img.manifest.layers)

    def _pull(self, ref: str, platform: str | None, pull: str) -> StoreImage:
        from pallet.engine.pull import pull_image
        from pallet.oci.platform import Platform

        if pull == "never":
            raise ImageNotFound(ref)
        plat = Platform.parse(platform) if platform else None
        record = pull_image(self.engine, ref, platform=plat, quiet=True)
        return self.engine.store.image(record)

    def load_image(self, image_id: str) -> ImageState:
        return image_state(self.engine, image_id)

    def image_ids(self) -> frozenset[str]:
        return frozenset(self.engine.store.images.load())

    def commit(self, config: bytes, layers: tuple[Descriptor, ...], names: tuple[str, ...]) -> str:
        return commit_image(self.engine, config, layers, names)

    def tag(self, image_id: str, names: tuple[str, ...]) -> None:
        from pallet.engine.images import tag_image

        record = self.engine.store.images.get(image_id)
        if record is not None and set(names) <= set(record.names):
            return  # a cached rebuild: nothing to write
        tag_image(self.engine, image_id, list(names))

    # -- filesystem steps -------------------------------------------------------------------

    @contextmanager
    def _step(self) -> Iterator[Path]:
        self.engine.root.tmp.mkdir(parents=True, exist_ok=True)
        step = self.engine.root.tmp / staging_name("build")
        (step / "layer" / "diff").mkdir(parents=True)
        try:
            yield step
        finally:
            shutil.rmtree(step, ignore_errors=True)

    def write_layer(self, parent: ImageState, fill: Callable[[str], None]) -> LayerRef:
        with self._step() as step:
            with mounted(self.engine, parent.config.diff_ids, step) as merged:
                fill(str(merged))
            return store_upper(self.engine, step / "layer", mtime=self.mtime, move=True)

    @contextmanager
    def rootfs(self, state: ImageState) -> Iterator[str]:
        diff_ids = state.config.diff_ids
        if len(diff_ids) == 1:
            yield str(self.engine.store.layers.path(diff_ids[0]))
            return
        with self._step() as step, mounted(self.engine, diff_ids, step) as merged:
            yield str(merged)

    def run(self, parent: ImageState, request: RunRequest) -> LayerRef:
        with self._step() as step:
            with mounted(self.engine, parent.config.diff_ids, step) as merged:
                created = missing_targets(str(merged), request.mounts)
                code = run_in_rootfs(self.engine, str(merged), step, request,
                                     stdio=(-1, self.stdout, self.stderr))  # fmt: skip
            if code != 0:
                raise StepFailed(f"exit status {code}", code)
            upper = step / "layer" / "diff"
            for top in created:
                remove_path(upper / top.lstrip("/"))
            return store_upper(self.engine, step / "layer", mtime=self.mtime, move=True)


def remove_path(path: Path) -> None:
    """Remove a file, link or directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def missing_targets(merged: str, mounts: tuple[RunMount, ...]) -> list[str]:
    """For each mount target missing from the image: its top-most missing ancestor (the
    runtime creates mount points; they must not end up in the layer)."""
    out: list[str] = []
    for m in mounts:
        parts = [p for p in m.target.split("/") if p]
        for i in range(1, len(parts) + 1):
            path = "/" + "/".join(parts[:i])
            if not os.path.lexists(resolve_in_root(merged, path)):
                out.append(path)
                break
    return out


def run_in_rootfs(
    engine: Engine,
    rootfs: str,
    bundle: Path,
    request: RunRequest,
    *,
    stdio: tuple[int, int, int] = (-1, 1, 2),
) -> int:
    """Run ``request`` in ``rootfs`` with ``runc run`` in the foreground; return its status."""
    from pallet.runtime import (
        Mount,
        SpecOptions,
        build_spec,
        default_seccomp,
        resolve_user,
        select_runtime,
    )
    from pallet.runtime.driver import spawn, wait_status
    from pallet.runtime.spec import effective_capabilities

    user = resolve_user(rootfs, request.user)
    cwd = resolve_in_root(rootfs, request.cwd)
    if not os.path.isdir(cwd):
        os.makedirs(cwd, 0o755, exist_ok=True)
    mounts = [
        Mount(m.target, m.source, m.type, ("ro",) if m.readonly else ()) for m in request.mounts
    ]
    if request.network == "host":
        for name in ("resolv.conf", "hosts"):
            inside = resolve_in_root(rootfs, f"/etc/{name}")
            if os.path.isfile(f"/etc/{name}") and os.path.isfile(inside):
                mounts.append(Mount(f"/etc/{name}", f"/etc/{name}", "bind", ("ro",)))
    spec = build_spec(SpecOptions(
        args=request.argv, rootfs=rootfs, env=request.env, cwd=request.cwd or "/",
        uid=user.uid, gid=user.gid, additional_gids=user.additional_gids, home=user.home,
        mounts=tuple(mounts), network="host" if request.network == "host" else "none",
        hostname=request.hostname, seccomp=default_seccomp(effective_capabilities()),
    ))  # fmt: skip
    (bundle / "config.json").write_text(json.dumps(spec))
    runtime, _ = select_runtime(engine.runtime_name, root=str(engine.root.run / "runtime"),
                                run_root=str(engine.root.run))  # fmt: skip
    cid = f"pallet-build-{bundle.name}"
    null = os.open(os.devnull, os.O_RDWR)
    fds = tuple(null if fd < 0 else fd for fd in stdio)
    try:
        pid = spawn([runtime.path, "--root", runtime.root, "run", "--bundle", str(bundle), cid],
                    (fds[0], fds[1], fds[2]))  # fmt: skip
        try:
            return wait_status(pid)
        except BaseException:  # interrupted: runc run removes its state only when it ends
            os.kill(pid, 15)
            wait_status(pid)
            try:
                runtime.delete(cid, force=True)
            except Exception:
                pass
            raise
    finally:
        os.close(null)
