"""Building one catalog image: plan it, find it again, or build, save and index it.

:func:`plan` checks and hashes the images asked for and their ancestors before anything is
built, so bad input (an ``%include`` outside the tree, a setuid file, a cycle) fails with
nothing done. :func:`realize` then brings one planned image into the store, cheapest way
first: the local index has its cache digest (skip); the index registry has it (pull);
otherwise build it from its context, save ``image.tar.zst``, push its routes to the index
registry and record them locally, in that order, removing the artifact if a later step fails.

A built image is named ``NAME:CONTEXT_HASH`` (the tag taskgraph's image builder saves and that
``DOCKER_IMAGE_PARENT`` names) and its ``[REGISTRY/]NAME:VERSION|latest`` tag, so a child's
``FROM $DOCKER_IMAGE_PARENT`` or ``FROM NAME`` resolves to the parent pallet just built.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pallet.catalog.context import check_context, context_hash, write_context_tar
from pallet.catalog.digest import cache_digest, image_args
from pallet.catalog.graph import order, with_ancestors
from pallet.catalog.index import zstd_level
from pallet.catalog.local_index import IndexEntry, LocalIndex, artifact_path
from pallet.catalog.model import Catalog, CatalogImage
from pallet.engine.context import Engine
from pallet.errors import BuildError

if TYPE_CHECKING:
    from pallet.transports.registry import RegistryOptions

__all__ = [
    "BuildSettings",
    "BuildStreams",
    "Outcome",
    "PlannedImage",
    "Reporter",
    "Result",
    "plan",
    "realize",
]


@dataclass(frozen=True, slots=True)
class PlannedImage:
    """An image with everything its build depends on worked out."""

    image: CatalogImage
    context_hash: str
    digest: str
    args: Mapping[str, str] = field(hash=False)

    @property
    def name(self) -> str:
        return self.image.name

    @property
    def tag(self) -> str:
        """``NAME:CONTEXT_HASH``: the name the image is built, saved and loaded under."""
        return f"{self.image.name}:{self.context_hash}"


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """How ``catalog build`` works.

    ``level`` is taskgraph's level (1: try pushes), which picks the zstd level of artifacts;
    ``artifacts`` a folder that also gets ``NAME/image.tar.zst`` of every image asked for;
    ``index_registry`` (``HOST/REPO``) a registry to find images in and push them to.
    """

    level: int = 3
    artifacts: Path | None = None
    index_registry: str | None = None
    registry_options: RegistryOptions | None = None
    jobs: int = 1
    no_cache: bool = False
    pull: str = "missing"


class Outcome(Enum):
    """What happened to one image."""

    INDEXED = "indexed"  # found in the local index: skipped
    PULLED = "pulled"  # found in the index registry
    BUILT = "built"
    FAILED = "failed"
    NOT_BUILT = "not built"  # its parent failed, or the build stopped first


@dataclass(frozen=True, slots=True)
class Result:
    """One image's outcome; ``entry`` is its index entry, ``error`` why it failed."""

    planned: PlannedImage
    outcome: Outcome
    entry: IndexEntry | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class BuildStreams:
    """Where one image's build writes: progress lines, and the fds for RUN output."""

    log: Callable[[str], None]
    stdout: int
    stderr: int


class Reporter(Protocol):
    """The front door's view of a catalog build (the CLI prints, tests collect)."""

    def message(self, name: str, text: str) -> None:
        """A one-line status about ``name`` (skipped, pulled, built …)."""

    def streams(self, name: str) -> AbstractContextManager[BuildStreams]:
        """Where the build of ``name`` writes, for as long as it runs."""


def plan(catalog: Catalog, names: Iterable[str] = ()) -> tuple[PlannedImage, ...]:
    """The images named (every image when none are) and their ancestors, in build order.

    Every context is checked (``%include`` targets, setuid files, readable regular files) and
    hashed first; raises BuildError naming the image and file, or NotFound for an unknown name.
    """
    wanted = list(names)
    images = with_ancestors(catalog, wanted) if wanted else order(catalog)
    hashes: dict[str, str] = {}
    digests: dict[str, str] = {}
    planned: list[PlannedImage] = []
    for image in images:
        parent_hash = hashes[image.parent] if image.parent is not None else None
        args = image_args(image, parent_hash)
        check_context(catalog.topsrcdir, Path(image.path), args, image=image.name)
        hashes[image.name] = context_hash(
            catalog.topsrcdir, Path(image.path), args, image=image.name
        )
        parent_digest = digests[image.parent] if image.parent is not None else None
        digests[image.name] = cache_digest(image, hashes[image.name], parent_digest)
        planned.append(PlannedImage(image, hashes[image.name], digests[image.name], args))
    return tuple(planned)


def _short(hexdigest: str) -> str:
    return hexdigest[:12]


def _names(planned: PlannedImage) -> list[str]:
    return list(dict.fromkeys([planned.tag, planned.image.tag]))


def _indexed(
    engine: Engine, index: LocalIndex, planned: PlannedImage, level: int
) -> IndexEntry | None:
    """The index entry of ``planned``'s digest if its image can still be had, else None.

    An entry whose store image was removed is restored from its artifact, and a removed
    artifact is saved again from the image; an entry with neither is stale and dropped.
    """
    entry = index.find_digest(planned.name, planned.digest)
    if entry is None:
        return None
    if engine.store.images.get(entry.image_id) is not None:
        if entry.artifact and not os.path.isfile(entry.artifact):
            from pallet.engine.catalog import save_artifact

            save_artifact(engine, entry.image_id, entry.tag, Path(entry.artifact), level=level)
        return entry
    if entry.artifact and os.path.isfile(entry.artifact):
        from pallet.engine.catalog import load_artifact

        with open(entry.artifact, "rb") as fh:
            loaded = load_artifact(engine, fh)
        if loaded.record.id == entry.image_id:
            return entry
    index.forget(planned.name, planned.digest)
    return None


def _place(settings: BuildSettings, planned: PlannedImage, entry: IndexEntry) -> None:
    """Put the artifact at ``ARTIFACTS/NAME/image.tar.zst`` (a hard link when possible)."""
    if settings.artifacts is None or not entry.artifact:
        return
    target = settings.artifacts / planned.name / "image.tar.zst"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".image.tar.zst.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        try:
            os.link(entry.artifact, tmp)
        except OSError:
            shutil.copyfile(entry.artifact, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _finish(
    engine: Engine,
    settings: BuildSettings,
    planned: PlannedImage,
    image_id: str,
    now: datetime,
) -> IndexEntry:
    """Save the artifact, push the routes, record them; on failure remove the artifact."""
    from pallet.engine.catalog import save_artifact

    path = artifact_path(engine.root.path, planned.name, planned.digest)
    save_artifact(engine, image_id, planned.tag, path, level=zstd_level(settings.level))
    entry = IndexEntry(
        name=planned.name,
        digest=planned.digest,
        context_hash=planned.context_hash,
        image_id=image_id,
        tag=planned.tag,
        pushed=now.astimezone(UTC).isoformat(),
        artifact=str(path),
    )
    try:
        if settings.index_registry:
            from pallet.catalog.registry_index import push_routes
            from pallet.transports.registry import RegistryOptions

            opts = settings.registry_options or RegistryOptions()
            push_routes(engine, image_id, settings.index_registry, entry.routes(), opts)
        LocalIndex(engine.root.path).record(entry)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return entry


def _build(
    engine: Engine,
    topsrcdir: Path,
    settings: BuildSettings,
    planned: PlannedImage,
    out: BuildStreams,
) -> str:
    """Build ``planned`` from a fresh context tar; return the image id."""
    from pallet.build.executor import BuildOptions
    from pallet.engine.build import BuildSource, build_image

    engine.root.ensure()
    image = planned.image
    tmp = engine.root.tmp / f"catalog-context-{os.getpid()}-{os.urandom(4).hex()}.tar"
    try:
        with tmp.open("w+b") as fh:
            written = write_context_tar(
                topsrcdir, Path(image.path), planned.args, fh, image=image.name
            )
            if written != planned.context_hash:
                raise BuildError(f"image {image.name}: {image.path}: changed during the build")
            fh.seek(0)
            options = BuildOptions(
                tags=(planned.tag,),
                build_args=dict(planned.args),
                no_cache=settings.no_cache,
                pull=settings.pull,
            )
            result = build_image(
                engine,
                BuildSource(context_tar=fh),
                options,
                log=out.log,
                stdout=out.stdout,
                stderr=out.stderr,
            )
    finally:
        tmp.unlink(missing_ok=True)
    return result.image_id


def realize(
    engine: Engine,
    catalog: Catalog,
    planned: PlannedImage,
    settings: BuildSettings,
    reporter: Reporter,
) -> Result:
    """Bring ``planned`` into the store (see the module's docstring); raise on failure."""
    from pallet.engine.catalog import set_names

    index = LocalIndex(engine.root.path)
    name = planned.name
    entry = _indexed(engine, index, planned, zstd_level(settings.level))
    if entry is not None:
        set_names(engine, entry.image_id, _names(planned))
        _place(settings, planned, entry)
        reporter.message(
            name,
            f"cache digest {_short(planned.digest)} already indexed "
            f"(built {entry.pushed[:19]}); skipping",
        )
        return Result(planned, Outcome.INDEXED, entry)
    now = datetime.now(UTC)
    if settings.index_registry:
        from pallet.catalog.registry_index import find_in_registry, route_ref
        from pallet.transports.registry import RegistryOptions

        route = f"{name}.hash.{planned.digest}"
        opts = settings.registry_options or RegistryOptions()
        record = find_in_registry(engine, settings.index_registry, route, opts)
        if record is not None:
            set_names(engine, record.id, _names(planned))
            entry = _finish(engine, settings, planned, record.id, now)
            _place(settings, planned, entry)
            reporter.message(name, f"pulled {route_ref(settings.index_registry, route)}")
            return Result(planned, Outcome.PULLED, entry)
    reporter.message(
        name,
        f"building (context hash {_short(planned.context_hash)}, "
        f"cache digest {_short(planned.digest)})",
    )
    with reporter.streams(name) as out:
        image_id = _build(engine, catalog.topsrcdir, settings, planned, out)
    set_names(engine, image_id, _names(planned))
    entry = _finish(engine, settings, planned, image_id, now)
    _place(settings, planned, entry)
    size = os.path.getsize(entry.artifact)
    reporter.message(
        name, f"built {_short(image_id.partition(':')[2])}, {entry.artifact} ({size} bytes)"
    )
    return Result(planned, Outcome.BUILT, entry)
