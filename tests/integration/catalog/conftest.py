"""Fixtures for catalog builds: generated source trees over a busybox base in the test root."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from pallet.testing.registry import LocalRegistry, registry_available

FIVE = {
    "base": "FROM busybox\nRUN echo base > /base\n",
    "mid": "FROM base\nCOPY m /m\n",
    "leaf1": "FROM mid\nRUN echo leaf1 > /l1\n",
    "leaf2": "FROM mid\nRUN echo leaf2 > /l2\n",
    "other": "FROM base\nRUN echo other > /o\n",
}
"""Five images without a kind file: each ``FROM`` names its parent."""


def write_images(top: Path, images: Mapping[str, str], extra: Mapping[str, str] = {}) -> Path:
    """Write ``taskcluster/docker/NAME/Dockerfile`` for each image, and ``extra`` files."""
    for name, dockerfile in images.items():
        folder = top / "taskcluster" / "docker" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Dockerfile").write_text(dockerfile)
    for rel, text in extra.items():
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(text)
    return top


@pytest.fixture
def five(tmp_path: Path, busybox_image: str) -> Path:
    """A source tree with the five images of FIVE (and busybox in the test root)."""
    return write_images(tmp_path / "src", FIVE, {"taskcluster/docker/mid/m": "m\n"})


def built(stdout: str) -> list[str]:
    """The images a ``catalog build`` output says it built, in the order it finished."""
    return [line.split(":")[0] for line in stdout.splitlines() if ": built " in line]


def skipped(stdout: str) -> list[str]:
    return [line.split(":")[0] for line in stdout.splitlines() if "already indexed" in line]


def index_routes(root: Path) -> dict[str, dict[str, str]]:
    path = root / "catalog" / "index.json"
    if not path.exists():
        return {}
    routes: dict[str, dict[str, str]] = json.loads(path.read_text())["routes"]
    return routes


def artifacts(root: Path) -> list[Path]:
    return sorted((root / "catalog" / "artifacts").rglob("*.zst")) if root.exists() else []


@pytest.fixture(scope="session")
def catalog_registry() -> Iterator[LocalRegistry]:
    """A plain-HTTP registry for the index, shared by the session."""
    if not registry_available():
        pytest.skip("docker-registry is not installed")
    with LocalRegistry() as reg:
        yield reg
