"""Garbage collection: blobs and layers no image refers to, and work dead writers left."""

from __future__ import annotations

from dataclasses import dataclass

from pallet.engine.context import Engine
from pallet.oci.manifest import Manifest
from pallet.store.staging import clean_stale

__all__ = ["GCReport", "collect_unreferenced", "referenced"]


@dataclass(frozen=True, slots=True)
class GCReport:
    blobs: int
    layers: int
    bytes: int
    stale: int


def referenced(engine: Engine) -> tuple[set[str], set[str]]:
    """(blob digests, layer diffIDs) that some image record needs."""
    from pallet.oci.config import ImageConfig

    blobs: set[str] = set()
    layers: set[str] = set()
    store = engine.store
    for rec in store.images:
        blobs.add(rec.manifest_digest)
        try:
            manifest = Manifest.from_bytes(store.blobs.read(rec.manifest_digest))
            blobs.add(manifest.config.digest)
            blobs.update(d.digest for d in manifest.layers)
            layers.update(ImageConfig.from_bytes(store.blobs.read(manifest.config.digest)).diff_ids)
        except Exception:  # a damaged record keeps what it can; `system check` reports it
            continue
    blobs.update(_extra_roots(engine))
    return blobs, layers


def _extra_roots(engine: Engine) -> set[str]:
    """Blobs held by things other than images (manifest lists made by `manifest create`)."""
    from pallet.store.atomic import read_json

    raw = read_json(engine.root.path / "manifests.json", {}) or {}
    out: set[str] = set()
    for entry in (raw.get("lists") or {}).values():
        out.update(entry.get("blobs", []))
    return out


def collect_unreferenced(engine: Engine) -> GCReport:
    """Delete unreferenced blobs and layers (under the exclusive gc lock)."""
    store = engine.store
    freed = 0
    nblobs = nlayers = 0
    with store.collecting():
        stale = len(clean_stale(engine.root.tmp))
        blobs, layers = referenced(engine)
        for digest in list(store.blobs):
            if digest not in blobs:
                freed += store.blobs.size(digest)
                store.blobs.delete(digest)
                nblobs += 1
        for diff_id in list(store.layers):
            if diff_id not in layers:
                freed += store.layers.info(diff_id).size
                store.layers.delete(diff_id)
                nlayers += 1
    return GCReport(nblobs, nlayers, freed, stale)
