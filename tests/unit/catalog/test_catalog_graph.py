"""The parent graph: checks, deterministic order, layers, ancestors and dependents."""

from __future__ import annotations

from pathlib import Path

import pytest

import pallet.catalog as catalog_pkg
from pallet.catalog import (
    Catalog,
    CatalogImage,
    ancestors,
    check,
    dependents,
    layers,
    load_catalog,
    order,
    with_ancestors,
)
from pallet.errors import InvalidArgument

KIND = Path("/src/taskcluster/kinds/docker-image/kind.yml")


def _catalog(parents: dict[str, str | None]) -> Catalog:
    images = {
        name: CatalogImage(
            name=name,
            definition=name,
            path=Path("/src/taskcluster/docker") / name,
            parent=parent,
            defined_in=KIND,
        )
        for name, parent in parents.items()
    }
    return Catalog(
        topsrcdir=Path("/src"), images_dir=Path("/src/taskcluster/docker"), images=images
    )


FOREST = {
    "zeta": None,
    "base": None,
    "py": "base",
    "node": "base",
    "py-dev": "py",
    "lint": "py",
    "web": "node",
    "deep": "py-dev",
    "other": "zeta",
}


def _names(images: tuple[CatalogImage, ...]) -> list[str]:
    return [image.name for image in images]


def test_layers_are_parents_first_and_sorted_within() -> None:
    got = [_names(layer) for layer in layers(_catalog(FOREST))]
    assert got == [
        ["base", "zeta"],
        ["node", "other", "py"],
        ["lint", "py-dev", "web"],
        ["deep"],
    ]


def test_order_is_topological_and_independent_of_insertion_order() -> None:
    forward = _names(order(_catalog(FOREST)))
    backward = _names(order(_catalog(dict(reversed(FOREST.items())))))
    assert forward == backward
    assert len(forward) == len(FOREST)
    for name, parent in FOREST.items():
        if parent:
            assert forward.index(parent) < forward.index(name)


def test_unknown_parent_names_image_and_file() -> None:
    with pytest.raises(InvalidArgument) as info:
        check(_catalog({"a": None, "b": "ghost"}))
    assert str(info.value) == f"image b: {KIND}: unknown parent ghost"


@pytest.mark.parametrize(
    ("parents", "cycle"),
    [
        ({"a": "a"}, "a -> a"),
        ({"a": "b", "b": "a", "c": None}, "a -> b -> a"),
        ({"x": None, "c": "a", "a": "b", "b": "c", "d": "a"}, "a -> b -> c -> a"),
    ],
)
def test_cycles_are_named(parents: dict[str, str | None], cycle: str) -> None:
    catalog = _catalog(parents)
    for call in (check, layers, order):
        with pytest.raises(InvalidArgument) as info:
            call(catalog)
        assert str(info.value) == f"image a: {KIND}: dependency cycle: {cycle}"


def test_load_catalog_rejects_cycles_and_unknown_parents(tree) -> None:
    root = tree(
        {
            "taskcluster/docker/a/Dockerfile": "FROM b\n",
            "taskcluster/docker/b/Dockerfile": "FROM a\n",
        }
    )
    with pytest.raises(InvalidArgument, match=r"dependency cycle: a -> b -> a"):
        load_catalog(root)
    kind = "tasks:\n  a: {parent: nope}\n"
    root = tree({"taskcluster/kinds/docker-image/kind.yml": kind})
    with pytest.raises(InvalidArgument, match=r"^image a: .*kind.yml: unknown parent nope$"):
        load_catalog(root)


def test_ancestors_with_ancestors_and_dependents() -> None:
    catalog = _catalog(FOREST)
    assert _names(ancestors(catalog, "deep")) == ["base", "py", "py-dev"]
    assert _names(ancestors(catalog, "base")) == []
    assert _names(with_ancestors(catalog, ["deep", "web"])) == [
        "base",
        "node",
        "py",
        "py-dev",
        "web",
        "deep",
    ]
    assert _names(dependents(catalog, "py")) == ["lint", "py-dev", "deep"]
    assert _names(dependents(catalog, "web")) == []


def test_all_is_exact() -> None:
    public = {
        name
        for name, value in vars(catalog_pkg).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("pallet.")
    }
    constants = {"ARTIFACT_NAME", "CACHE_TYPE", "DEFAULT_IMAGES_DIR", "KIND_FILES", "PARENT_ARG"}
    assert len(set(catalog_pkg.__all__)) == len(catalog_pkg.__all__)
    assert set(catalog_pkg.__all__) == public | constants
    for name in catalog_pkg.__all__:
        assert hasattr(catalog_pkg, name)
