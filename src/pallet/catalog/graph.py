"""The parent graph of a catalog: checks, build order, and parallel layers.

Each image has at most one parent, so the graph is a forest unless a definition is wrong: a
parent that is not in the catalog, or a chain of parents that comes back on itself. Orders
are deterministic: parents before children, images of one layer by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from pallet.catalog.model import Catalog, CatalogImage
from pallet.errors import InvalidArgument

__all__ = ["ancestors", "check", "dependents", "layers", "order", "with_ancestors"]


def _where(image: CatalogImage) -> str:
    return f"image {image.name}: {image.defined_in}" if image.defined_in else f"image {image.name}"


def check(catalog: Catalog) -> None:
    """Raise InvalidArgument, naming the image and its file, for an unknown parent or a cycle."""
    for image in catalog:
        if image.parent is not None and image.parent not in catalog:
            raise InvalidArgument(f"{_where(image)}: unknown parent {image.parent}")
    cleared: set[str] = set()
    for image in catalog:
        chain: list[str] = []
        name: str | None = image.name
        while name is not None and name not in cleared:
            if name in chain:
                cycle = [*chain[chain.index(name) :], name]
                first = catalog[min(cycle)]
                raise InvalidArgument(f"{_where(first)}: dependency cycle: {' -> '.join(cycle)}")
            chain.append(name)
            name = catalog[name].parent
        cleared.update(chain)


def layers(catalog: Catalog) -> tuple[tuple[CatalogImage, ...], ...]:
    """Images in layers: the first has no parent, each later one's parents are in earlier ones.

    The images of one layer can be built in parallel once the layers before them are done.
    """
    check(catalog)
    children: dict[str | None, list[CatalogImage]] = {}
    for image in catalog:
        children.setdefault(image.parent, []).append(image)
    result: list[tuple[CatalogImage, ...]] = []
    current = children.get(None, [])
    while current:
        layer = tuple(sorted(current, key=lambda image: image.name))
        result.append(layer)
        current = [child for image in layer for child in children.get(image.name, [])]
    return tuple(result)


def order(catalog: Catalog) -> tuple[CatalogImage, ...]:
    """Every image, parents before children (layer by layer, by name within a layer)."""
    return tuple(image for layer in layers(catalog) for image in layer)


def ancestors(catalog: Catalog, name: str) -> tuple[CatalogImage, ...]:
    """The parent chain of ``name``, root first, not including ``name`` itself."""
    check(catalog)
    chain: list[CatalogImage] = []
    parent = catalog[name].parent
    while parent is not None:
        chain.append(catalog[parent])
        parent = catalog[parent].parent
    return tuple(reversed(chain))


def with_ancestors(catalog: Catalog, names: Iterable[str]) -> tuple[CatalogImage, ...]:
    """The images named and all their ancestors, in build order: what building them needs."""
    wanted: set[str] = set()
    for name in names:
        wanted.add(catalog[name].name)
        wanted.update(image.name for image in ancestors(catalog, name))
    return tuple(image for image in order(catalog) if image.name in wanted)


def dependents(catalog: Catalog, name: str) -> tuple[CatalogImage, ...]:
    """The images built on ``name``, directly or not, in build order: what a change rebuilds."""
    catalog[name]
    found = {name}
    result = []
    for image in order(catalog):
        if image.parent in found:
            found.add(image.name)
            result.append(image)
    return tuple(result)
