"""``system check``: verify every blob, layer and image record; optionally repair."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pallet.engine.context import Engine
from pallet.oci.config import ImageConfig
from pallet.oci.manifest import Manifest

__all__ = ["CheckReport", "check_store"]


@dataclass(slots=True)
class CheckReport:
    """Problems found, one line each; ``repaired`` lists what ``repair`` removed."""

    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)  # leftovers of writers that died
    blobs: int = 0
    layers: int = 0
    images: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _hash_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_store(engine: Engine, *, repair: bool = False) -> CheckReport:
    """Rehash every blob, check every layer directory and every image's references."""
    from pallet.store.staging import clean_stale

    store = engine.store
    report = CheckReport()
    bad_blobs: set[str] = set()
    for digest in store.blobs:
        report.blobs += 1
        actual = _hash_file(str(store.blobs.path(digest)))
        if f"sha256:{actual}" != digest:
            report.problems.append(f"blob {digest}: content hashes to sha256:{actual}")
            bad_blobs.add(digest)
    for diff_id in store.layers:
        report.layers += 1
        ldir = store.layers.dir(diff_id)
        if not (ldir / "layer.json").is_file() or not (ldir / "diff").is_dir():
            report.problems.append(f"layer {diff_id}: incomplete layer directory")
    broken_images: list[str] = []
    for rec in store.images:
        report.images += 1
        label = rec.names[0] if rec.names else rec.hex[:12]
        problems = _check_image(engine, rec.manifest_digest, rec.id, bad_blobs)
        report.problems.extend(f"image {label}: {p}" for p in problems)
        if problems:
            broken_images.append(rec.id)
    # Staged work of writers that died (a killed load or pull) was never part of the store:
    # it is garbage, not damage, and goes whether or not repairs were asked for.
    with store.collecting():
        for name in clean_stale(engine.root.tmp):
            report.cleaned.append(f"tmp/{name}")
    if repair:
        for digest in bad_blobs:
            store.blobs.delete(digest)
            report.repaired.append(f"removed corrupt blob {digest}")
        if broken_images:
            with store.images.transaction() as records:
                for ident in broken_images:
                    records.pop(ident, None)
                    report.repaired.append(f"removed damaged image {ident[7:19]}")
    return report


def _check_image(engine: Engine, manifest_digest: str, image_id: str, bad: set[str]) -> list[str]:
    store = engine.store
    out: list[str] = []
    if not store.blobs.has(manifest_digest) or manifest_digest in bad:
        return [f"manifest {manifest_digest} missing or corrupt"]
    manifest = Manifest.from_bytes(store.blobs.read(manifest_digest))
    if manifest.config.digest != image_id:
        out.append(f"manifest names config {manifest.config.digest}, not {image_id}")
    if not store.blobs.has(manifest.config.digest) or manifest.config.digest in bad:
        return [*out, f"config {manifest.config.digest} missing or corrupt"]
    config = ImageConfig.from_bytes(store.blobs.read(manifest.config.digest))
    for layer in manifest.layers:
        if not store.blobs.has(layer.digest):
            out.append(f"layer blob {layer.digest} missing")
        elif layer.digest in bad:
            out.append(f"layer blob {layer.digest} corrupt")
    for diff_id in config.diff_ids:
        if not store.layers.has(diff_id):
            out.append(f"unpacked layer {diff_id} missing")
    return out
