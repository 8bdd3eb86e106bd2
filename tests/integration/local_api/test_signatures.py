"""The in-process client has docker-py's public shapes: names, signatures, properties.

For every method we implement, docker-py's parameters must appear in ours with the same
names, order, kinds and defaults. Where docker-py takes ``**kwargs`` and documents the names
in its docstring, we may spell those names out as keyword-only parameters instead; each must
be one docker-py documents.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

docker = pytest.importorskip("docker")

from docker.models import containers as d_containers  # noqa: E402
from docker.models import images as d_images  # noqa: E402
from docker.models import networks as d_networks  # noqa: E402
from docker.models import resource as d_resource  # noqa: E402
from docker.models import volumes as d_volumes  # noqa: E402

import pallet  # noqa: E402
from pallet.local.models import containers, images, networks, resource, volumes  # noqa: E402

P = inspect.Parameter

PAIRS: list[tuple[type, type, list[str]]] = [
    (resource.Model, d_resource.Model, ["reload", "__eq__", "__hash__", "__repr__"]),
    (resource.Collection, d_resource.Collection, ["prepare_model"]),
    (
        containers.Container,
        d_containers.Container,
        [
            "attach",
            "commit",
            "exec_run",
            "export",
            "get_archive",
            "kill",
            "logs",
            "pause",
            "put_archive",
            "remove",
            "rename",
            "restart",
            "start",
            "stats",
            "stop",
            "top",
            "unpause",
            "wait",
        ],
    ),
    (
        containers.ContainerCollection,
        d_containers.ContainerCollection,
        ["run", "create", "get", "list", "prune"],
    ),
    (images.Image, d_images.Image, ["history", "remove", "save", "tag", "reload"]),
    (
        images.ImageCollection,
        d_images.ImageCollection,
        [
            "build",
            "get",
            "get_registry_data",
            "list",
            "load",
            "pull",
            "push",
            "remove",
            "search",
            "prune",
            "prune_builds",
        ],
    ),
    (volumes.Volume, d_volumes.Volume, ["remove"]),
    (volumes.VolumeCollection, d_volumes.VolumeCollection, ["create", "get", "list", "prune"]),
    (networks.Network, d_networks.Network, ["connect", "disconnect", "remove"]),
    (networks.NetworkCollection, d_networks.NetworkCollection, ["create", "get", "list", "prune"]),
    (
        pallet.DockerClient,
        docker.DockerClient,
        ["from_env", "ping", "version", "info", "df", "events", "login", "close"],
    ),
]

PROPERTIES: list[tuple[type, type, list[str]]] = [
    (resource.Model, d_resource.Model, ["id", "short_id"]),
    (
        containers.Container,
        d_containers.Container,
        ["name", "image", "labels", "status", "health", "ports"],
    ),
    (images.Image, d_images.Image, ["labels", "short_id", "tags"]),
    (volumes.Volume, d_volumes.Volume, ["name"]),
    (networks.Network, d_networks.Network, ["name", "containers"]),
    (pallet.DockerClient, docker.DockerClient, ["containers", "images", "networks", "volumes"]),
]


def _compatible(ours: Any, theirs: Any) -> list[str]:
    """Differences between our signature and docker-py's that a caller could notice."""
    problems = []
    mine = inspect.signature(ours).parameters
    them = inspect.signature(theirs).parameters
    names = list(mine)
    named = [p for p in them.values() if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)]
    if [n for n in names if n in {p.name for p in named}] != [p.name for p in named]:
        problems.append(f"parameters {names} != docker-py's {[p.name for p in named]}")
    for p in named:
        q = mine.get(p.name)
        if q is None:
            continue
        if q.kind != p.kind:
            problems.append(f"{p.name}: kind {q.kind} != {p.kind}")
        if q.default != p.default:
            problems.append(f"{p.name}: default {q.default!r} != {p.default!r}")
    for kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
        if any(p.kind == kind for p in them.values()):
            continue
        if any(p.kind == kind for p in mine.values()):
            problems.append(f"we take {kind} where docker-py does not")
    extra = [q for q in mine.values() if q.name not in them and q.kind == P.KEYWORD_ONLY]
    takes_kwargs = any(p.kind == P.VAR_KEYWORD for p in them.values())
    doc = inspect.getdoc(theirs) or ""
    for q in extra:
        if not takes_kwargs:
            problems.append(f"extra keyword {q.name}")
        elif f"{q.name} (" not in doc:
            problems.append(f"keyword {q.name} is not one docker-py documents")
    positional_extra = [
        q
        for q in mine.values()
        if q.name not in them and q.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
    ]
    problems += [f"extra positional {q.name}" for q in positional_extra]
    return problems


@pytest.mark.parametrize(
    ("ours", "theirs", "method"),
    [(o, t, m) for o, t, ms in PAIRS for m in ms],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_method_signature_matches_docker_py(ours: type, theirs: type, method: str) -> None:
    assert hasattr(theirs, method), f"docker-py has no {theirs.__name__}.{method}"
    assert _compatible(getattr(ours, method), getattr(theirs, method)) == []


@pytest.mark.parametrize(
    ("ours", "theirs", "prop"),
    [(o, t, p) for o, t, ps in PROPERTIES for p in ps],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_properties_match_docker_py(ours: type, theirs: type, prop: str) -> None:
    assert isinstance(inspect.getattr_static(theirs, prop), property)
    assert isinstance(inspect.getattr_static(ours, prop), property)


def test_class_names_and_ids() -> None:
    assert volumes.Volume.id_attribute == d_volumes.Volume.id_attribute == "Name"
    assert containers.ExecResult._fields == d_containers.ExecResult._fields
    for cls in (containers.Container, images.Image, volumes.Volume, networks.Network):
        assert hasattr(d_containers, cls.__name__) or hasattr(
            __import__(f"docker.models.{cls.__module__.rsplit('.', 1)[1]}", fromlist=["x"]),
            cls.__name__,
        )


def test_error_names_are_docker_pys() -> None:
    for name in (
        "DockerException",
        "APIError",
        "NotFound",
        "ImageNotFound",
        "ContainerError",
        "BuildError",
    ):
        assert hasattr(pallet.errors, name), name
    assert issubclass(pallet.errors.ImageNotFound, pallet.errors.NotFound)
    assert issubclass(pallet.errors.NotFound, pallet.errors.APIError)
    err = pallet.errors.ContainerError("c", 3, "cmd", "img", b"boom")
    theirs = docker.errors.ContainerError("c", 3, "cmd", "img", b"boom")
    assert str(err).startswith(str(theirs).rpartition(":")[0])
    for attr in ("container", "exit_status", "command", "image", "stderr"):
        assert getattr(err, attr) == getattr(theirs, attr)


def test_types_are_dicts_like_docker_pys() -> None:
    ours = pallet.types.Mount("/data", "vol", read_only=True)
    theirs = docker.types.Mount("/data", "vol", read_only=True)
    assert dict(ours) == dict(theirs)
    assert dict(pallet.types.Ulimit(name="nofile", soft=10, hard=20)) == dict(
        docker.types.Ulimit(name="nofile", soft=10, hard=20)
    )


def test_import_pallet_stays_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, pallet; print(sorted(m for m in sys.modules if m.startswith('pallet')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['pallet']"
