"""The build scheduler: parents first, parallel siblings, nothing new after a failure."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pallet.catalog import Catalog, CatalogImage
from pallet.catalog import scheduler as sched
from pallet.catalog.builder import BuildSettings, Outcome, PlannedImage, Result
from pallet.errors import BuildError


def _catalog(parents: dict[str, str | None]) -> tuple[Catalog, tuple[PlannedImage, ...]]:
    images = {n: CatalogImage(n, n, Path("/t") / n, parent=p) for n, p in parents.items()}
    cat = Catalog(Path("/t"), Path("/t"), images)
    from pallet.catalog import order

    planned = tuple(PlannedImage(i, "h" + i.name, "d" + i.name, {}) for i in order(cat))
    return cat, planned


PARENTS: dict[str, str | None] = {
    "base": None, "mid": "base", "leaf1": "mid", "leaf2": "mid", "other": "base",
}  # fmt: skip


def test_parents_finish_before_children_start(monkeypatch: pytest.MonkeyPatch) -> None:
    cat, planned = _catalog(PARENTS)
    events: list[str] = []
    lock = threading.Lock()
    running = 0
    peak = 0

    def realize(engine, catalog, p, settings, reporter):  # type: ignore[no-untyped-def]
        nonlocal running, peak
        with lock:
            events.append(f"start {p.name}")
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
            events.append(f"end {p.name}")
        return Result(p, Outcome.BUILT)

    monkeypatch.setattr(sched, "realize", realize)
    results = sched.run_build(None, cat, planned, BuildSettings(jobs=2), None)  # type: ignore[arg-type]
    assert [r.outcome for r in results] == [Outcome.BUILT] * 5
    for child, parent in PARENTS.items():
        if parent:
            assert events.index(f"end {parent}") < events.index(f"start {child}")
    assert peak == 2


def test_a_failure_stops_its_children_and_new_work(monkeypatch: pytest.MonkeyPatch) -> None:
    cat, planned = _catalog(PARENTS)

    def realize(engine, catalog, p, settings, reporter):  # type: ignore[no-untyped-def]
        if p.name == "mid":
            raise BuildError("image mid: RUN failed")
        return Result(p, Outcome.BUILT)

    monkeypatch.setattr(sched, "realize", realize)
    results = {
        r.planned.name: r for r in sched.run_build(None, cat, planned, BuildSettings(), None)
    }  # type: ignore[arg-type]
    assert results["base"].outcome is Outcome.BUILT
    assert results["mid"].outcome is Outcome.FAILED
    assert results["mid"].error == "image mid: RUN failed"
    assert results["leaf1"].outcome is Outcome.NOT_BUILT
    assert results["leaf2"].outcome is Outcome.NOT_BUILT
