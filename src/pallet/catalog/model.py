"""The catalog's data: images found in a source tree, and the catalog that holds them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from pallet.errors import NotFound

__all__ = ["Catalog", "CatalogImage"]


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class CatalogImage:
    """One image of a catalog.

    ``name`` is the image's name (the kind file's task name, or the folder's name);
    ``definition`` the folder under the images dir that holds its Dockerfile, and ``path`` that
    folder, absolute. ``args`` feed the Dockerfile's ``# %ARG`` lines. ``version`` and
    ``registry`` come from the ``VERSION`` and ``REGISTRY`` files (the images dir's own
    ``REGISTRY`` when the folder has none); ``env_files`` are the folder's ``*.env`` files.
    ``symbol`` and ``packages`` are kept from the kind file; ``defined_in`` is the file that
    defines the image (the kind file, or the Dockerfile), for error messages.
    """

    name: str
    definition: str
    path: Path
    parent: str | None = None
    args: Mapping[str, str] = field(default_factory=dict, hash=False)
    version: str | None = None
    registry: str | None = None
    env_files: tuple[Path, ...] = ()
    symbol: str | None = None
    packages: tuple[str, ...] = ()
    defined_in: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", _frozen(self.args))

    @property
    def dockerfile(self) -> Path:
        """The image's Dockerfile."""
        return self.path / "Dockerfile"

    @property
    def tag(self) -> str:
        """``[REGISTRY/]NAME:VERSION`` (``latest`` without a VERSION), as taskgraph tags it."""
        base = f"{self.registry}/{self.name}" if self.registry else self.name
        return f"{base}:{self.version or 'latest'}"


@dataclass(frozen=True, slots=True)
class Catalog:
    """The images of a source tree, by name.

    ``kind_file`` is the taskgraph kind file the images were read from, or None when every
    folder of ``images_dir`` with a Dockerfile is an image.
    """

    topsrcdir: Path
    images_dir: Path
    images: Mapping[str, CatalogImage] = field(default_factory=dict, hash=False)
    kind_file: Path | None = None

    def __post_init__(self) -> None:
        ordered = {name: self.images[name] for name in sorted(self.images)}
        object.__setattr__(self, "images", MappingProxyType(ordered))

    def __getitem__(self, name: str) -> CatalogImage:
        try:
            return self.images[name]
        except KeyError:
            raise NotFound(f"no image {name} in the catalog at {self.images_dir}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.images

    def __iter__(self) -> Iterator[CatalogImage]:
        """The images, by name (see :func:`pallet.catalog.order` for build order)."""
        return iter(self.images.values())

    def __len__(self) -> int:
        return len(self.images)

    def with_args(self, overrides: Mapping[str, str]) -> Catalog:
        """A catalog whose every image has ``overrides`` added to (or replacing) its args."""
        if not overrides:
            return self
        images = {
            name: replace(image, args={**image.args, **overrides})
            for name, image in self.images.items()
        }
        return replace(self, images=images)
