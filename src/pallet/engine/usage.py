"""Which containers use which images (read from the containers index)."""

from __future__ import annotations

from pallet.engine.context import Engine
from pallet.store.atomic import read_json

__all__ = ["containers_using_images", "remove_containers_of_image"]


def containers_using_images(engine: Engine) -> dict[str, list[str]]:
    """image id -> names of the containers (and build containers) made from it."""
    raw = read_json(engine.root.containers_file, {}) or {}
    out: dict[str, list[str]] = {}
    for cid, rec in (raw.get("containers") or {}).items():
        image_id = rec.get("image_id")
        if image_id:
            out.setdefault(image_id, []).append(rec.get("name") or cid[:12])
    return out


def remove_containers_of_image(engine: Engine, image_id: str) -> None:
    """Force-remove every container made from ``image_id`` (for ``rmi -f``)."""
    raw = read_json(engine.root.containers_file, {}) or {}
    ids = [
        cid for cid, rec in (raw.get("containers") or {}).items() if rec.get("image_id") == image_id
    ]
    if not ids:
        return
    from pallet.engine.containers import remove_container

    for cid in ids:
        remove_container(engine, cid, force=True)
