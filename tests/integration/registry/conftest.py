"""Fixtures: a fresh registry per test (the shared ones are in tests/integration/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pallet.testing.registry import LocalRegistry


@pytest.fixture
def local_registry() -> Iterator[LocalRegistry]:
    """A fresh plain-HTTP registry for one test."""
    with LocalRegistry() as reg:
        yield reg
