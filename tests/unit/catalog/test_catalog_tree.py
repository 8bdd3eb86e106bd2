"""Catalog discovery: taskgraph kind files (new and old locations) and plain image folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from pallet.catalog import KIND_FILES, Catalog, load_catalog, load_kind
from pallet.errors import InvalidArgument, NotFound

D = "taskcluster/docker"

KIND_NEW = """\
loader: taskgraph.loader.transform:loader
kind-dependencies:
  - packages
transforms:
  - taskgraph.transforms.docker_image:transforms
  - taskgraph.transforms.cached_tasks:transforms
  - taskgraph.transforms.task:transforms
task-defaults:
  args:
    SHARED: "yes"
tasks:
  base:
    symbol: I(b)
  decision:
    symbol: I(d)
    parent: base
    args:
      PYTHON: "3.11"
    packages: [deb-python]
  decision-mobile:
    symbol: I(dm)
    parent: decision
    definition: decision
    index:
      product: firefox
"""

KIND_OLD = """\
loader: taskgraph.loader.transform:loader
transforms:
  - taskgraph.transforms.docker_image:transforms
jobs:
  base:
    symbol: I(b)
  child:
    symbol: I(c)
    parent: base
"""


def _images(*names: str) -> dict[str, str]:
    return {f"{D}/{n}/Dockerfile": "FROM debian:12\n" for n in names}


def test_kind_file_new_location(tree) -> None:
    root = tree(
        {
            str(KIND_FILES[0]): KIND_NEW,
            **_images("base", "decision", "unlisted"),
            f"{D}/REGISTRY": "registry.example\n",
            f"{D}/decision/VERSION": "4.2\n",
            f"{D}/decision/REGISTRY": "own.example\n",
            f"{D}/decision/runtime.env": "A=1\n",
            f"{D}/decision/.env": "B=2\n",
        }
    )
    catalog = load_catalog(root)
    assert catalog.kind_file == root / KIND_FILES[0]
    assert [image.name for image in catalog] == ["base", "decision", "decision-mobile"]
    base, decision, mobile = catalog["base"], catalog["decision"], catalog["decision-mobile"]
    assert (base.parent, base.symbol, dict(base.args)) == (None, "I(b)", {"SHARED": "yes"})
    assert base.registry == "registry.example" and base.version is None
    assert base.tag == "registry.example/base:latest"
    assert decision.parent == "base"
    assert dict(decision.args) == {"SHARED": "yes", "PYTHON": "3.11"}
    assert decision.packages == ("deb-python",)
    assert (decision.version, decision.registry) == ("4.2", "own.example")
    assert decision.env_files == (root / D / "decision/.env", root / D / "decision/runtime.env")
    assert mobile.definition == "decision" and mobile.path == root / D / "decision"
    assert mobile.defined_in == root / KIND_FILES[0]


def test_kind_file_old_location_with_jobs(tree) -> None:
    root = tree({str(KIND_FILES[1]): KIND_OLD, **_images("base", "child")})
    catalog = load_catalog(root)
    assert catalog.kind_file == root / KIND_FILES[1]
    assert catalog["child"].parent == "base"
    assert catalog["child"].symbol == "I(c)"


def test_tasks_from_files_and_their_defaults(tree) -> None:
    kind = "tasks-from: [more.yml]\ntask-defaults: {args: {A: '1'}}\ntasks:\n  a: {}\n"
    more = "task-defaults: {args: {B: '2'}}\nb: {parent: a, args: {C: '3'}}\n"
    root = tree(
        {
            str(KIND_FILES[0]): kind,
            str(KIND_FILES[0].parent / "more.yml"): more,
            **_images("a", "b"),
        }
    )
    catalog = load_catalog(root)
    assert dict(catalog["a"].args) == {"A": "1"}
    assert dict(catalog["b"].args) == {"A": "1", "B": "2", "C": "3"}
    assert catalog["b"].defined_in == root / KIND_FILES[0].parent / "more.yml"


def test_arg_overrides_add_and_replace(tree) -> None:
    root = tree({str(KIND_FILES[0]): "tasks:\n  a: {args: {A: '1', B: '2'}}\n", **_images("a")})
    catalog = load_catalog(root, args={"B": "x", "C": "y"})
    assert dict(catalog["a"].args) == {"A": "1", "B": "x", "C": "y"}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("tasks: [a, b]\n", "mapping of names"),
        ("tasks:\n  a: {args: {A: 1}}\n", "arg A must be a string"),
        ("tasks:\n  a: {parent: [x]}\n", "parent must be a string"),
        ("tasks:\n  a: {packages: x}\n", "packages must be a list"),
        ("tasks: {a: {}\n", "invalid YAML"),
        ("- just a list\n", "not a mapping"),
    ],
)
def test_bad_kind_file(tree, kind: str, message: str) -> None:
    root = tree({str(KIND_FILES[0]): kind, **_images("a")})
    with pytest.raises(InvalidArgument, match=message):
        load_catalog(root)


def test_kind_entry_without_its_folder(tree) -> None:
    root = tree({str(KIND_FILES[0]): "tasks:\n  ghost: {definition: nowhere}\n", **_images("a")})
    with pytest.raises(NotFound, match=r"^image ghost: .*kind.yml: no Dockerfile in .*nowhere"):
        load_catalog(root)


def test_load_kind_returns_entries_in_file_order(tree) -> None:
    root = tree({str(KIND_FILES[0]): KIND_NEW})
    entries = load_kind(root / KIND_FILES[0])
    assert [e.name for e in entries] == ["base", "decision", "decision-mobile"]


def test_folder_discovery_and_from_parents(tree) -> None:
    root = tree(
        {
            f"{D}/REGISTRY": "reg.example",
            f"{D}/base/Dockerfile": "FROM debian:12\n",
            f"{D}/debian/Dockerfile": "FROM debian:12\n",  # Debian's, not itself
            f"{D}/tools/Dockerfile": "# comment\nFROM --platform=linux/amd64 base AS build\n",
            f"{D}/app/Dockerfile": "FROM base AS b\nFROM b\nFROM reg.example/tools:latest\n",
            f"{D}/pinned/Dockerfile": "FROM base:1.0\n",
            f"{D}/pinned-other/Dockerfile": "from base:2.0\n",
            f"{D}/digest/Dockerfile": "FROM base@sha256:" + "0" * 64 + "\n",
            f"{D}/deb-child/Dockerfile": "FROM debian:12\n",
            f"{D}/base/VERSION": "1.0",
            f"{D}/not-an-image/README": "",
        }
    )
    catalog = load_catalog(root)
    assert catalog.kind_file is None
    parents = {image.name: image.parent for image in catalog}
    assert parents == {
        "app": "base",
        "base": None,
        "deb-child": None,
        "debian": None,
        "digest": None,
        "pinned": "base",
        "pinned-other": None,
        "tools": "base",
    }
    assert catalog["app"].defined_in == root / D / "app" / "Dockerfile"


def test_images_dir_override_and_missing_dir(tree) -> None:
    root = tree({"images/one/Dockerfile": "FROM x\n"})
    assert [i.name for i in load_catalog(root, Path("images"))] == ["one"]
    with pytest.raises(NotFound, match="no image folder"):
        load_catalog(root)


def test_unknown_image_lookup(tree) -> None:
    catalog = load_catalog(tree(_images("a")))
    assert isinstance(catalog, Catalog) and "a" in catalog and len(catalog) == 1
    with pytest.raises(NotFound, match="no image nope"):
        catalog["nope"]
