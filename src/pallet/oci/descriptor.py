"""Content descriptors: the (mediaType, digest, size) triple that points at a blob."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pallet.oci.platform import Platform

__all__ = ["Descriptor"]


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI descriptor. ``digest`` is the ``algo:hex`` string exactly as on the wire."""

    media_type: str
    digest: str
    size: int
    annotations: tuple[tuple[str, str], ...] = ()
    platform: Platform | None = None
    urls: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Descriptor:
        plat = obj.get("platform")
        return cls(
            media_type=str(obj.get("mediaType", "")),
            digest=str(obj["digest"]),
            size=int(obj["size"]),
            annotations=tuple(sorted((obj.get("annotations") or {}).items())),
            platform=Platform.from_json(plat) if isinstance(plat, dict) else None,
            urls=tuple(obj.get("urls") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.urls:
            out["urls"] = list(self.urls)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform is not None:
            out["platform"] = self.platform.to_json()
        return out

    def annotation(self, key: str) -> str:
        return dict(self.annotations).get(key, "")
