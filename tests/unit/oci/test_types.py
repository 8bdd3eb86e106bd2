import json

import pytest

from pallet.errors import DigestMismatch, InvalidArchive, InvalidArgument
from pallet.oci import ContainerConfig, Digest, ImageConfig, Index, Manifest, Platform
from pallet.oci import mediatypes as mt
from pallet.oci.manifest import parse_manifest_or_index


def test_digest_parse_and_verify() -> None:
    d = Digest.parse("sha256:" + "0" * 64)
    assert d.short == "0" * 12
    with pytest.raises(DigestMismatch):
        d.verify(b"x")
    with pytest.raises(InvalidArgument):
        Digest.parse("sha256:abc")
    with pytest.raises(InvalidArgument):
        Digest.parse("md5:" + "0" * 32)


def test_config_round_trip_keeps_unknown_fields() -> None:
    raw = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/bin"],
            "Cmd": ["sh"],
            "Labels": {"a": "b"},
            "ExposedPorts": {"80/tcp": {}},
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
        "history": [{"created_by": "x", "empty_layer": True}],
        "docker_version": "24.0",
    }
    cfg = ImageConfig.from_json(raw)
    assert cfg.config.cmd == ("sh",)
    assert cfg.config.label_map == {"a": "b"}
    out = cfg.to_json()
    assert out["docker_version"] == "24.0"
    assert out["config"]["ExposedPorts"] == {"80/tcp": {}}
    assert ImageConfig.from_json(out) == cfg


def test_with_env_replaces_in_place() -> None:
    c = ContainerConfig(env=("A=1", "B=2")).with_env("A", "3").with_env("C", "4")
    assert c.env == ("A=3", "B=2", "C=4")


def test_manifest_and_index_parsing() -> None:
    m = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": mt.OCI_CONFIG, "digest": "sha256:" + "a" * 64, "size": 3},
        "layers": [{"mediaType": mt.OCI_LAYER_GZIP, "digest": "sha256:" + "b" * 64, "size": 9}],
    }
    parsed = parse_manifest_or_index(json.dumps(m).encode())
    assert isinstance(parsed, Manifest) and parsed.layers[0].size == 9
    idx = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST_LIST,
        "manifests": [
            {
                "mediaType": mt.DOCKER_MANIFEST,
                "digest": "sha256:" + "c" * 64,
                "size": 5,
                "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
            }
        ],
    }
    parsed_idx = parse_manifest_or_index(json.dumps(idx).encode())
    assert isinstance(parsed_idx, Index)
    assert parsed_idx.manifests[0].platform == Platform("linux", "arm64", "v8")
    with pytest.raises(InvalidArchive):
        Manifest.from_bytes(b'{"layers": []}')
    with pytest.raises(InvalidArchive):
        Manifest.from_bytes(b"not json")


def test_platform_parse_and_match() -> None:
    assert Platform.parse("linux/x86_64") == Platform("linux", "amd64")
    assert Platform.parse("linux/arm64").matches(Platform("linux", "arm64", "v8"))
    assert not Platform.parse("linux/arm/v7").matches(Platform("linux", "arm", "v6"))
    with pytest.raises(InvalidArgument):
        Platform.parse("linux")
