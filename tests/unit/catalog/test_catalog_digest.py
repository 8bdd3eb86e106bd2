"""Cache digests, DOCKER_IMAGE_PARENT, routes and zstd levels, against taskgraph's transforms.

The oracle runs taskgraph's own ``docker_image.fill_template`` and ``cached_tasks.cache_task``
transforms over a generated tree, with a stand-in config, and compares what they compute.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from taskgraph.transforms import cached_tasks, docker_image
from taskgraph.util.yaml import load_yaml

from pallet.catalog import (
    Catalog,
    cache_digest,
    cache_digests,
    context_hashes,
    image_args,
    load_catalog,
    local_routes,
    parent_value,
    taskcluster_routes,
    zstd_level,
)
from pallet.errors import InvalidArgument

KIND = """\
tasks:
  base: {symbol: I(b), args: {DIST: bookworm}}
  py: {symbol: I(p), parent: base, args: {PY: "3.11", "Ü": "é"}}
  py-dev: {symbol: I(pd), parent: py}
  node: {symbol: I(n), parent: base}
"""

TREE = {
    "taskcluster/kinds/docker-image/kind.yml": KIND,
    "taskcluster/docker/base/Dockerfile": "# %ARG DIST\nFROM debian:$DIST\n",
    "taskcluster/docker/py/Dockerfile": "ARG DOCKER_IMAGE_PARENT\nFROM $DOCKER_IMAGE_PARENT\n",
    "taskcluster/docker/py-dev/Dockerfile": "ARG DOCKER_IMAGE_PARENT\nFROM $DOCKER_IMAGE_PARENT\n",
    "taskcluster/docker/node/Dockerfile": "FROM x\n",
    "taskcluster/docker/node/app.js": "1",
}

PUSHED = datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)


class _GraphConfig(dict[str, Any]):
    def __init__(self, root: Path) -> None:
        super().__init__({"trust-domain": "mozilla", "taskgraph": {}})
        self.taskcluster_yml = str(root / ".taskcluster.yml")
        self._config: dict[str, Any] = {}


def _taskgraph(root: Path, level: int) -> dict[str, dict[str, Any]]:
    """Run taskgraph's docker-image and cached-task transforms; return tasks by image name."""
    config = SimpleNamespace(
        kind="docker-image",
        kind_dependencies_tasks={},
        write_artifacts=False,
        graph_config=_GraphConfig(root),
        params={
            "level": str(level),
            "project": "p",
            "base_repository": "r",
            "head_repository": "r",
            "head_rev": "0" * 40,
            "repository_type": "git",
            "tasks_for": "github-push",
            "build_date": int(PUSHED.timestamp()),
        },
    )
    entries = load_yaml(str(root / "taskcluster/kinds/docker-image/kind.yml"))
    tasks = [{"name": name, **copy.deepcopy(task)} for name, task in entries["tasks"].items()]
    described = docker_image.fill_template(config, tasks)
    done = cached_tasks.cache_task(config, described)
    return {task["attributes"]["image_name"]: task for task in done}


def test_hashes_and_digests_equal_taskgraphs(tree) -> None:
    root = tree(TREE)
    catalog = load_catalog(root)
    hashes = context_hashes(catalog)
    ours = cache_digests(catalog, hashes)
    theirs = _taskgraph(root, level=3)
    for image in catalog:
        task = theirs[image.name]
        assert hashes[image.name] == task["worker"]["env"]["HASH"]
        digest = task["attributes"]["cached_task"]["digest"]
        assert ours[image.name] != digest  # pallet has no image builder or chain of trust
        parent_digest = None
        if image.parent:
            parent_digest = theirs[image.parent]["attributes"]["cached_task"]["digest"]
        exact = cache_digest(
            image,
            hashes[image.name],
            parent_digest,
            builder=docker_image.IMAGE_BUILDER_IMAGE,
            chain_of_trust=True,
        )
        assert exact == digest
        routes = taskcluster_routes(image.name, digest, PUSHED, prefix="mozilla", level=3)
        assert list(routes) == task["routes"]
        assert task["worker"]["env"]["DOCKER_IMAGE_ZSTD_LEVEL"] == str(zstd_level(3))


def test_zstd_level_follows_taskgraph() -> None:
    assert (zstd_level(1), zstd_level(2), zstd_level(3)) == (3, 10, 10)


def test_parent_change_rebuilds_its_children_and_nothing_else(tree) -> None:
    root = tree(TREE)
    catalog = load_catalog(root)
    before = cache_digests(catalog, context_hashes(catalog))
    (root / "taskcluster/docker/py/extra.txt").write_text("changed")
    after = cache_digests(catalog, context_hashes(catalog))
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"py", "py-dev"}


def test_args_enter_the_digest(tree) -> None:
    catalog = load_catalog(tree(TREE))
    hashes = context_hashes(catalog)
    base = catalog["base"]
    overridden = catalog.with_args({"EXTRA": "1"})
    assert cache_digest(base, hashes["base"], None) != cache_digest(
        overridden["base"], hashes["base"], None
    )


def test_docker_image_parent_is_parent_colon_context_hash(tree) -> None:
    catalog = load_catalog(tree(TREE))
    hashes = context_hashes(catalog)
    args = image_args(catalog["py"], hashes["base"])
    assert args == {"PY": "3.11", "Ü": "é", "DOCKER_IMAGE_PARENT": f"base:{hashes['base']}"}
    assert parent_value("base", "abc") == "base:abc"
    assert image_args(catalog["base"]) == {"DIST": "bookworm"}
    with pytest.raises(InvalidArgument, match="needs the context hash of base"):
        image_args(catalog["py"])


def test_percent_arg_docker_image_parent_hashes_the_parent_in(tree) -> None:
    files = dict(TREE)
    files["taskcluster/docker/py/Dockerfile"] = (
        "# %ARG DOCKER_IMAGE_PARENT\nFROM $DOCKER_IMAGE_PARENT\n"
    )
    root = tree(files)
    catalog = load_catalog(root)
    before = context_hashes(catalog)
    base_df = root / "taskcluster/docker/base/Dockerfile"
    base_df.write_text(base_df.read_text() + "RUN true\n")
    after = context_hashes(catalog)
    assert before["py"] != after["py"]  # the parent's hash is in the child's Dockerfile
    assert before["node"] == after["node"]


def test_cache_digest_needs_a_parent_digest_exactly_with_a_parent(tree) -> None:
    catalog: Catalog = load_catalog(tree(TREE))
    with pytest.raises(InvalidArgument):
        cache_digest(catalog["py"], "0" * 64, None)
    with pytest.raises(InvalidArgument):
        cache_digest(catalog["base"], "0" * 64, "1" * 64)


def test_local_routes() -> None:
    east = PUSHED.astimezone(timezone(timedelta(hours=5)))
    assert local_routes("base", "d1g", east) == (
        "base.hash.d1g",
        "base.latest",
        "base.pushdate.2024.03-05-070809",
    )
    with pytest.raises(InvalidArgument, match="time zone"):
        local_routes("base", "d", datetime(2024, 1, 1))
