"""``images.push`` and ``images.pull`` against a real registry (docker-registry on loopback)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pallet.testing.registry import LocalRegistry, registry_available

pytestmark = [
    pytest.mark.runc,
    pytest.mark.registry,
    pytest.mark.skipif(not registry_available(), reason="docker-registry is not installed"),
]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRegistry]:
    """A plain-HTTP registry that registries.conf marks insecure (the API has no flag)."""
    with LocalRegistry() as reg:
        conf = tmp_path / "registries.conf"
        conf.write_text(f'[[registry]]\nlocation = "{reg.host}"\ninsecure = true\n')
        monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
        monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "auth.json"))
        yield reg


def test_push_then_pull_into_another_store(
    client: Any, busybox: str, registry: LocalRegistry, tmp_path: Path
) -> None:
    import pallet

    repo = f"{registry.host}/test/bb-{uuid.uuid4().hex[:8]}"
    image = client.images.get(busybox)
    assert image.tag(repo, "v1")
    status = client.images.push(repo, tag="v1")
    assert "error" not in status and '"Digest": "sha256:' in status, status
    lines = list(client.images.push(f"{repo}:v1", stream=True, decode=True))
    assert lines[-1]["aux"]["Tag"] == "v1"

    other_root = tmp_path / "other"
    other_root.mkdir()
    other = pallet.from_env(root=other_root)
    pulled = other.images.pull(repo, tag="v1")
    assert pulled.id == image.id and f"{repo}:v1" in pulled.tags
    assert other.containers.run(f"{repo}:v1", "echo pulled", remove=True) == b"pulled\n"


def test_run_pulls_a_missing_image(client: Any, busybox: str, registry: LocalRegistry) -> None:
    repo = f"{registry.host}/test/bb-{uuid.uuid4().hex[:8]}"
    client.images.get(busybox).tag(repo, "v2")
    client.images.push(repo, tag="v2")
    client.images.remove(f"{repo}:v2")
    assert client.containers.run(f"{repo}:v2", "echo fetched", remove=True) == b"fetched\n"
    assert f"{repo}:v2" in client.images.get(f"{repo}:v2").tags


def test_push_failure_is_reported_in_the_stream(client: Any, busybox: str) -> None:
    client.images.get(busybox).tag("127.0.0.1:1/nothing/here", "v1")
    status = client.images.push("127.0.0.1:1/nothing/here", tag="v1")
    assert '"error"' in status
