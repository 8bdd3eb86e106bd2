"""Unit tests for copy locations and push compression names (pure parsing)."""

from __future__ import annotations

import pytest

from pallet.archive import Compression
from pallet.engine.copy import Location, parse_location
from pallet.engine.push import parse_compression
from pallet.errors import InvalidArgument


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ("docker://example.com/a/b:1", Location("docker", name="example.com/a/b:1")),
        ("oci:/tmp/layout", Location("oci", path="/tmp/layout")),
        ("oci:/tmp/layout:v1", Location("oci", path="/tmp/layout", name="v1")),
        ("oci-archive:/x.tar:name", Location("oci-archive", path="/x.tar", name="name")),
        ("docker-archive:/x.tar", Location("docker-archive", path="/x.tar")),
        ("dir:/some/dir", Location("dir", path="/some/dir")),
        ("containers-storage:busybox", Location("containers-storage", name="busybox")),
        (
            "containers-storage:[overlay@/r+/rr]busybox:1",
            Location("containers-storage", name="busybox:1"),
        ),
        ("busybox:latest", Location("containers-storage", name="busybox:latest")),
        ("example.com:5000/a:1", Location("containers-storage", name="example.com:5000/a:1")),
    ],
)
def test_parse_location(spec: str, want: Location) -> None:
    assert parse_location(spec) == want


def test_parse_location_rejects_bad_forms() -> None:
    with pytest.raises(InvalidArgument):
        parse_location("oci::name")
    with pytest.raises(InvalidArgument):
        parse_location("docker:example.com/a")


def test_location_str_round_trips() -> None:
    for spec in ("docker://h/a:1", "oci:/d:n", "dir:/d", "containers-storage:x"):
        assert str(parse_location(spec)) == spec


def test_compression_names() -> None:
    assert parse_compression("zstd") is Compression.ZSTD
    assert parse_compression(None) is None
    with pytest.raises(InvalidArgument, match="unsupported compression"):
        parse_compression("xz")
