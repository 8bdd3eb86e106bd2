"""Finding a catalog in a source tree.

Images live in one folder each under ``taskcluster/docker/`` (or another images dir). When the
tree has a taskgraph docker-image kind file, it is the list of images, each with its parent,
args and definition folder. Without one, every folder holding a Dockerfile is an image, and a
``FROM`` naming another catalog image makes that image its parent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pallet.catalog.graph import check
from pallet.catalog.kind import KindEntry, find_kind_file, load_kind
from pallet.catalog.model import Catalog, CatalogImage
from pallet.errors import InvalidArgument, NotFound

__all__ = ["DEFAULT_IMAGES_DIR", "from_parent", "load_catalog"]

DEFAULT_IMAGES_DIR = Path("taskcluster/docker")

_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)


def _read_word(path: Path) -> str | None:
    """A small file's stripped text (VERSION, REGISTRY), or None when absent or empty."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"{path}: cannot read: {e}") from None


def _env_files(folder: Path) -> tuple[Path, ...]:
    with os.scandir(folder) as entries:
        found = [
            Path(e.path)
            for e in entries
            if (e.name == ".env" or e.name.endswith(".env")) and e.is_file()
        ]
    return tuple(sorted(found))


def _split_ref(ref: str) -> tuple[str, str | None]:
    """``repo[:tag][@digest]`` -> (repo, tag); a digest makes the tag ``@`` (never a match)."""
    if "@" in ref:
        return ref.split("@", 1)[0], "@"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :]
    return ref, None


def from_parent(dockerfile: Path, candidates: Mapping[str, CatalogImage]) -> str | None:
    """The catalog image the Dockerfile's first matching ``FROM`` names, if any.

    A ``FROM`` names a candidate when its repository is the candidate's name (or
    ``REGISTRY/name``) and its tag is absent, ``latest`` or the candidate's VERSION, so that
    ``FROM debian:12`` in a catalog that also has a ``debian`` image still means Debian's.
    Build stages named by ``AS`` are not images; neither is the image itself.
    """
    stages: set[str] = set()
    try:
        lines = dockerfile.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"{dockerfile}: cannot read: {e}") from None
    own = dockerfile.parent.name
    for line in lines:
        m = _FROM.match(line)
        if not m:
            continue
        ref, stage = m.group(1), m.group(2)
        repo, tag = _split_ref(ref)
        if ref.lower() not in stages:
            for name, image in candidates.items():
                names = {name, f"{image.registry}/{name}"} if image.registry else {name}
                wanted = {None, "latest", image.version}
                if name != own and repo in names and tag in wanted:
                    return name
        if stage:
            stages.add(stage.lower())
    return None


def _image(
    name: str, images_dir: Path, defined_in: Path, entry: KindEntry | None = None
) -> CatalogImage:
    definition = entry.definition if entry else name
    path = images_dir / definition
    if not (path / "Dockerfile").is_file():
        raise NotFound(f"image {name}: {defined_in}: no Dockerfile in {path}")
    return CatalogImage(
        name=name,
        definition=definition,
        path=path,
        parent=entry.parent if entry else None,
        args=entry.args if entry else {},
        version=_read_word(path / "VERSION"),
        registry=_read_word(path / "REGISTRY") or _read_word(images_dir / "REGISTRY"),
        env_files=_env_files(path),
        symbol=entry.symbol if entry else None,
        packages=entry.packages if entry else (),
        defined_in=defined_in,
    )


def _from_kind(entries: tuple[KindEntry, ...], images_dir: Path) -> dict[str, CatalogImage]:
    return {e.name: _image(e.name, images_dir, e.source or images_dir, e) for e in entries}


def _from_folders(images_dir: Path) -> dict[str, CatalogImage]:
    with os.scandir(images_dir) as entries:
        folders = sorted(e.name for e in entries if e.is_dir())
    found = {
        name: _image(name, images_dir, images_dir / name / "Dockerfile")
        for name in folders
        if (images_dir / name / "Dockerfile").is_file()
    }
    return {
        name: replace(image, parent=from_parent(image.dockerfile, found))
        for name, image in found.items()
    }


def load_catalog(
    topsrcdir: Path,
    images_dir: Path | None = None,
    *,
    args: Mapping[str, str] | None = None,
) -> Catalog:
    """Discover the catalog of ``topsrcdir``.

    ``images_dir`` (relative to ``topsrcdir``, or absolute) defaults to ``taskcluster/docker``.
    ``args`` (``--arg``) are added to, or replace, every image's kind-file args. Raises
    NotFound for a missing images dir or Dockerfile, and InvalidArgument for a bad kind file,
    an unknown parent or a dependency cycle.
    """
    top = Path(os.path.abspath(topsrcdir))
    folder = top / (images_dir or DEFAULT_IMAGES_DIR)
    if not folder.is_dir():
        raise NotFound(f"no image folder at {folder}")
    kind_file = find_kind_file(top)
    if kind_file is not None:
        images = _from_kind(load_kind(kind_file), folder)
    else:
        images = _from_folders(folder)
    catalog = Catalog(topsrcdir=top, images_dir=folder, images=images, kind_file=kind_file)
    check(catalog)
    return catalog.with_args(args or {})
