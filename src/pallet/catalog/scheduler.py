"""Running a catalog build: parents before children, independent images in parallel.

With ``jobs`` workers, an image starts as soon as its parent is done (indexed, pulled or
built), so siblings build side by side while a long chain proceeds. After a failure nothing
new is started: images already running finish, the rest are reported as not built, and every
failure is returned (the caller reports the first).
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from pallet.catalog.builder import (
    BuildSettings,
    Outcome,
    PlannedImage,
    Reporter,
    Result,
    realize,
)
from pallet.catalog.model import Catalog
from pallet.engine.context import Engine
from pallet.errors import PalletError

__all__ = ["run_build"]


def _attempt(
    engine: Engine,
    catalog: Catalog,
    planned: PlannedImage,
    settings: BuildSettings,
    reporter: Reporter,
) -> Result:
    try:
        return realize(engine, catalog, planned, settings, reporter)
    except PalletError as exc:
        return Result(planned, Outcome.FAILED, error=str(exc))
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return Result(planned, Outcome.FAILED, error=f"{exc.strerror or exc}{where}")


def run_build(
    engine: Engine,
    catalog: Catalog,
    planned: tuple[PlannedImage, ...],
    settings: BuildSettings,
    reporter: Reporter,
) -> list[Result]:
    """Realize every planned image (already in build order); return results in that order."""
    by_name = {p.name: p for p in planned}
    position = {p.name: i for i, p in enumerate(planned)}
    children: dict[str, list[PlannedImage]] = {}
    ready: list[PlannedImage] = []
    for p in planned:
        parent = p.image.parent
        if parent is not None and parent in by_name:
            children.setdefault(parent, []).append(p)
        else:
            ready.append(p)
    results: dict[str, Result] = {}
    failed = False
    with ThreadPoolExecutor(max_workers=max(1, settings.jobs)) as pool:
        running: dict[Future[Result], PlannedImage] = {}
        while ready or running:
            ready.sort(key=lambda p: position[p.name])
            while ready and not failed and len(running) < max(1, settings.jobs):
                p = ready.pop(0)
                job = pool.submit(_attempt, engine, catalog, p, settings, reporter)
                running[job] = p
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for job in done:
                p = running.pop(job)
                result = job.result()
                results[p.name] = result
                if result.outcome is Outcome.FAILED:
                    failed = True
                else:
                    ready.extend(children.get(p.name, ()))
    return [results.get(p.name) or Result(p, Outcome.NOT_BUILT) for p in planned]
