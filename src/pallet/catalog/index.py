"""Index routes under which built images are found again, and the artifact's zstd level.

pallet's local index uses short names: ``NAME.hash.DIGEST`` (the cache digest), ``NAME.latest``
and ``NAME.pushdate.YYYY.MM-DD-HHMMSS``. taskgraph's real routes (``add_optimization`` in
``taskgraph.util.cached_tasks``) put the same three under
``{trust-domain}.cache.level-{N}.docker-images.v2.NAME`` (the prefix is the graph config's
``cached-task-prefix`` when set), with a longer push date:
``pushdate.%Y.%m.%d.%Y%m%d%H%M%S``; :func:`taskcluster_routes` gives those.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pallet.catalog.digest import CACHE_TYPE
from pallet.errors import InvalidArgument

__all__ = ["ARTIFACT_NAME", "local_routes", "taskcluster_routes", "zstd_level"]

ARTIFACT_NAME = "public/image.tar.zst"
"""Where a taskgraph image task publishes its image: a ``docker save`` tar, zstd-compressed."""


def _utc(pushed: datetime) -> datetime:
    if pushed.tzinfo is None:
        raise InvalidArgument("push dates must carry a time zone")
    return pushed.astimezone(UTC)


def local_routes(name: str, digest: str, pushed: datetime) -> tuple[str, str, str]:
    """``NAME.hash.DIGEST``, ``NAME.latest``, ``NAME.pushdate.YYYY.MM-DD-HHMMSS``."""
    when = _utc(pushed)
    return (
        f"{name}.hash.{digest}",
        f"{name}.latest",
        f"{name}.pushdate.{when:%Y}.{when:%m-%d-%H%M%S}",
    )


def taskcluster_routes(
    name: str, digest: str, pushed: datetime, *, prefix: str, level: int
) -> tuple[str, str, str]:
    """The ``index.`` routes taskgraph gives a cached image task built at ``level``.

    ``prefix`` is the trust domain (or ``cached-task-prefix``). Pull-request graphs use a
    separate ``{prefix}.cache.pr...`` namespace instead, not given here.
    """
    when = _utc(pushed)
    base = f"index.{prefix}.cache.level-{level}.{CACHE_TYPE}.{name}"
    return (
        f"{base}.hash.{digest}",
        f"{base}.latest",
        f"{base}.pushdate.{when:%Y.%m.%d.%Y%m%d%H%M%S}",
    )


def zstd_level(level: int) -> int:
    """taskgraph's zstd level for image artifacts: 3 at level 1 (fast, try pushes), else 10.

    Images built at higher levels are downloaded far more often than they are built, so
    taskgraph spends more CPU once to ship smaller artifacts.
    """
    return 3 if level == 1 else 10
