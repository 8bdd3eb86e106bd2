"""Fixtures every integration test may use: real docker-registry servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pallet.testing.registry import LocalRegistry, registry_available

REGISTRY_USER, REGISTRY_PASSWORD = "tester", "s3cret"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if registry_available():
        return
    skip = pytest.mark.skip(reason="docker-registry is not installed")
    for item in items:
        if "registry" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def plain_registry() -> Iterator[LocalRegistry]:
    """A plain-HTTP registry without auth, shared by the session."""
    with LocalRegistry() as reg:
        yield reg


@pytest.fixture(scope="session")
def tls_registry() -> Iterator[LocalRegistry]:
    """A TLS registry (throwaway CA, see ``certs_dir``) with htpasswd user tester/s3cret."""
    with LocalRegistry(tls=True, auth=(REGISTRY_USER, REGISTRY_PASSWORD)) as reg:
        yield reg
