"""Image manifests and indexes (OCI and Docker v2 schema 2 / manifest lists).

Parsing keeps nothing but the data: the bytes a manifest was received or stored as stay with
the caller, because digests are over exact bytes and never over a re-serialisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pallet.errors import InvalidArchive
from pallet.oci import mediatypes as mt
from pallet.oci.canonical import canonical_json
from pallet.oci.descriptor import Descriptor

__all__ = ["Index", "Manifest", "canonical_json", "parse_manifest_or_index"]


def _load(data: bytes, what: str) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArchive(f"invalid {what}: {exc}") from None
    if not isinstance(obj, dict):
        raise InvalidArchive(f"invalid {what}: not a JSON object")
    return obj


@dataclass(frozen=True, slots=True)
class Manifest:
    """An image manifest: one config and an ordered list of layers."""

    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    schema_version: int = 2

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Manifest:
        try:
            media_type = str(obj.get("mediaType") or mt.OCI_MANIFEST)
            return cls(
                media_type=media_type,
                config=Descriptor.from_json(obj["config"]),
                layers=tuple(Descriptor.from_json(d) for d in obj.get("layers") or ()),
                annotations=tuple(sorted((obj.get("annotations") or {}).items())),
                schema_version=int(obj.get("schemaVersion", 2)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArchive(f"invalid image manifest: missing or bad field {exc}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        return cls.from_json(_load(data, "image manifest"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schemaVersion": self.schema_version,
            "mediaType": self.media_type,
            "config": self.config.to_json(),
            "layers": [d.to_json() for d in self.layers],
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def is_docker(self) -> bool:
        return self.media_type == mt.DOCKER_MANIFEST


@dataclass(frozen=True, slots=True)
class Index:
    """An OCI image index or a Docker manifest list."""

    media_type: str
    manifests: tuple[Descriptor, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    schema_version: int = 2

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Index:
        try:
            return cls(
                media_type=str(obj.get("mediaType") or mt.OCI_INDEX),
                manifests=tuple(Descriptor.from_json(d) for d in obj.get("manifests") or ()),
                annotations=tuple(sorted((obj.get("annotations") or {}).items())),
                schema_version=int(obj.get("schemaVersion", 2)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArchive(f"invalid image index: missing or bad field {exc}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> Index:
        return cls.from_json(_load(data, "image index"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schemaVersion": self.schema_version,
            "mediaType": self.media_type,
            "manifests": [d.to_json() for d in self.manifests],
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())


def parse_manifest_or_index(data: bytes, media_type: str = "") -> Manifest | Index:
    """Parse bytes that may hold either; the media type (header or field) decides."""
    obj = _load(data, "manifest")
    kind = media_type or str(obj.get("mediaType") or "")
    if kind in mt.INDEX_TYPES or (not kind and "manifests" in obj):
        return Index.from_json(obj)
    return Manifest.from_json(obj)
