"""Routes as registry tags, and the --index-registry repository."""

from __future__ import annotations

import pytest

from pallet.catalog.registry_index import check_repository, route_ref, route_tag
from pallet.errors import InvalidArgument


def test_routes_become_tags() -> None:
    digest = "a" * 64
    assert route_tag(f"base.hash.{digest}") == f"base-hash-{digest}"
    assert route_tag("base.latest") == "base-latest"
    assert route_tag("base.pushdate.2024.05-17-093000") == "base-pushdate-2024-05-17-093000"
    ref = route_ref("127.0.0.1:5000/ci", "base.latest")
    assert ref == "127.0.0.1:5000/ci:base-latest"


def test_a_route_too_long_for_a_tag_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="cannot be a registry tag"):
        route_tag(f"{'n' * 60}.hash.{'a' * 64}")


@pytest.mark.parametrize("bad", ["ci", "host:5000/ci:tag", "host/ci@sha256:" + "a" * 64])
def test_index_registry_wants_host_and_repository(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        check_repository(bad)


def test_index_registry_accepts_docker_prefix() -> None:
    assert check_repository("docker://reg.example/ci/images/") == "reg.example/ci/images"
