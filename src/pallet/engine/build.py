"""``pallet build``: a Dockerfile and a context (directory, tarball or none) become an image.

The context arrives as a directory (used in place), a tar archive (unpacked into a scratch
directory under the store's ``tmp/``) or nothing (a Dockerfile on stdin). The cache index
lives at ``ROOT/build-cache.json``; RUN ``--mount=type=cache`` directories under
``ROOT/build-cache/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from pallet.build.cache import CacheIndex
from pallet.build.context import BuildContext
from pallet.build.dockerfile import parse
from pallet.build.executor import BuildOptions, BuildResult, execute
from pallet.engine.context import Engine
from pallet.errors import BuildError

__all__ = ["BuildSource", "build_image", "cache_path"]


def cache_path(engine: Engine) -> Path:
    """Where the build cache index lives."""
    return engine.root.path / "build-cache.json"


@dataclass(frozen=True, slots=True)
class BuildSource:
    """Where the Dockerfile and the context come from.

    ``context`` is a directory, or ``None`` with ``context_tar`` (a tar stream) or with no
    context at all (``dockerfile_text`` given, as for ``pallet build - < Dockerfile``).
    ``dockerfile`` is a path (relative to the context, or absolute) or ``None`` for the
    default ``Containerfile``/``Dockerfile``.
    """

    context: Path | None = None
    context_tar: BinaryIO | None = None
    dockerfile: str | None = None
    dockerfile_text: str | None = None


def _find_dockerfile(context: Path | None, name: str | None) -> tuple[str, str]:
    if name is not None:
        path = Path(name)
        if not path.is_absolute() and context is not None and not path.exists():
            path = context / name
        try:
            return path.read_text(), path.name
        except FileNotFoundError:
            raise BuildError(
                f"the specified Containerfile or Dockerfile does not exist: {name}"
            ) from None
    assert context is not None
    for default in ("Containerfile", "Dockerfile"):
        if (context / default).is_file():
            return (context / default).read_text(), default
    raise BuildError(
        f"no Containerfile or Dockerfile specified or found in context directory, {context}"
    )


def build_image(
    engine: Engine,
    source: BuildSource,
    options: BuildOptions,
    *,
    log: Callable[[str], None],
    stdout: int = 1,
    stderr: int = 2,
) -> BuildResult:
    """Build an image; progress lines go to ``log``, RUN output to ``stdout``/``stderr``."""
    from pallet.engine.images import normalize_name
    from pallet.oci.platform import host_platform

    engine.root.ensure()
    scratch = engine.root.tmp / f"buildctx-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        context_dir = source.context
        if source.context_tar is not None:
            from pallet.archive import extract_layer, open_decompressed

            extract_layer(open_decompressed(source.context_tar), scratch / "context", mode="apply")
            context_dir = scratch / "context"
        if source.dockerfile_text is not None:
            text, filename = source.dockerfile_text, "Dockerfile"
        else:
            text, filename = _find_dockerfile(context_dir, source.dockerfile)
        dockerfile = parse(text, filename=filename)
        context = BuildContext.from_dir(context_dir, filename) if context_dir else None
        plat = host_platform()
        if options.platform:
            from pallet.oci.platform import Platform

            plat = Platform.parse(options.platform)
        options = replace(
            options,
            tags=tuple(normalize_name(t) for t in options.tags),
            os=plat.os,
            architecture=plat.architecture,
            variant=plat.variant or "",
            cache_dir=options.cache_dir or str(engine.root.path / "build-cache"),
            scratch_dir=options.scratch_dir or str(scratch / "downloads"),
        )
        from pallet.engine.build_steps import EngineStepRunner

        runner = EngineStepRunner(engine, mtime=options.timestamp, stdout=stdout, stderr=stderr)
        with engine.store.writing():
            return execute(
                dockerfile, context, runner, CacheIndex(cache_path(engine)), options, log
            )
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
