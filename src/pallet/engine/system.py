"""``system df`` and ``system prune``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pallet.engine.context import Engine
from pallet.engine.gc import collect_unreferenced
from pallet.engine.usage import containers_using_images

__all__ = ["PruneReport", "UsageRow", "disk_usage", "prune_system"]


@dataclass(frozen=True, slots=True)
class UsageRow:
    type: str
    total: int
    active: int
    size: int
    reclaimable: int


def _tree_size(path: str) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def disk_usage(engine: Engine) -> list[UsageRow]:
    """Images, containers and volumes: how many, how many in use, and their size."""
    store = engine.store
    usage = containers_using_images(engine)
    records = list(store.images)
    layers = {r.id: set(store.image(r).config.diff_ids) for r in records}
    every = set().union(*layers.values()) if layers else set()
    used = set().union(*(layers[r.id] for r in records if r.id in usage)) if usage else set()
    size = {d: store.layers.info(d).size for d in every}  # shared layers count once
    active = [r for r in records if r.id in usage]
    rows = [
        UsageRow(
            "Images",
            len(records),
            len(active),
            sum(size.values()),
            sum(v for d, v in size.items() if d not in used),
        )
    ]
    cdir = engine.root.containers
    cids = os.listdir(cdir) if cdir.is_dir() else []
    csize = sum(_tree_size(str(cdir / c)) for c in cids)
    rows.append(UsageRow("Containers", len(cids), 0, csize, 0))
    vdir = engine.root.volumes
    vols = os.listdir(vdir) if vdir.is_dir() else []
    vsize = sum(_tree_size(str(vdir / v)) for v in vols)
    rows.append(UsageRow("Local Volumes", len(vols), 0, vsize, 0))
    return rows


@dataclass(slots=True)
class PruneReport:
    lines: list[str] = field(default_factory=list)
    reclaimed: int = 0


def prune_system(engine: Engine, *, all_: bool = False, volumes: bool = False) -> PruneReport:
    """Stopped containers, dangling (or all unused) images, then unreferenced storage."""
    from pallet.engine.images import prune_images

    report = PruneReport()
    try:
        from pallet.engine.containers import prune_containers
    except ImportError:
        prune_containers = None  # type: ignore[assignment]
    if prune_containers is not None:
        for cid in prune_containers(engine):
            report.lines.append(f"Deleted container {cid}")
    if volumes:
        try:
            from pallet.engine.volumes import prune_volumes
        except ImportError:
            prune_volumes = None  # type: ignore[assignment]
        if prune_volumes is not None:
            for name in prune_volumes(engine):
                report.lines.append(f"Deleted volume {name}")
    for ident in prune_images(engine, all_=all_):
        report.lines.append(f"Deleted image {ident}")
    gc = collect_unreferenced(engine)
    report.reclaimed += gc.bytes
    return report
