"""The local index of built catalog images: routes to store images and artifacts.

It lives in the store root, at ``ROOT/catalog/index.json``, beside the artifacts it points to
(``ROOT/catalog/artifacts/NAME/DIGEST/image.tar.zst``: one file per cache digest, never
overwritten, so a route always finds the bytes it was recorded with). Each built image is
recorded under the three routes of :func:`pallet.catalog.local_routes`: ``NAME.hash.DIGEST``
(how a build finds it again), ``NAME.latest`` and ``NAME.pushdate.YYYY.MM-DD-HHMMSS``.

Routes are keyed by image name only, as taskgraph's are within a trust domain: two source trees
that both have an image ``base`` share ``base.latest`` in one store root, while their hash
routes stay apart because their digests differ. Writers take ``index.json.lock`` and replace
the file atomically, so concurrent builds never lose each other's entries.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from pallet.catalog.index import local_routes
from pallet.errors import StoreError

__all__ = ["INDEX_FILE", "IndexEntry", "LocalIndex", "artifact_path"]

INDEX_FILE = Path("catalog/index.json")
"""The index, relative to the store root."""


def artifact_path(store_root: Path, name: str, digest: str) -> Path:
    """Where the artifact of ``name`` at cache digest ``digest`` is kept in the store root."""
    return store_root / "catalog" / "artifacts" / name / digest / "image.tar.zst"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One built image: what it is (name, digests, store image) and where its artifact is.

    ``tag`` is the name it was built and saved under (``NAME:CONTEXT_HASH``), ``pushed`` the
    build time (ISO 8601, UTC) that its pushdate route spells, ``artifact`` the image.tar.zst
    path ("" when the image came from a registry and was never saved).
    """

    name: str
    digest: str
    context_hash: str
    image_id: str
    tag: str
    pushed: str
    artifact: str = ""

    @classmethod
    def from_json(cls, raw: object) -> IndexEntry:
        if not isinstance(raw, dict):
            raise StoreError(f"catalog index: bad entry {raw!r}")
        try:
            return cls(**{k: str(raw[k]) for k in cls.__slots__ if k in raw})
        except TypeError as e:
            raise StoreError(f"catalog index: bad entry {raw!r}: {e}") from None

    def routes(self) -> tuple[str, str, str]:
        """The routes this entry is recorded under."""
        return local_routes(self.name, self.digest, datetime.fromisoformat(self.pushed))


class LocalIndex:
    """``ROOT/catalog/index.json``: route -> :class:`IndexEntry`."""

    def __init__(self, store_root: Path) -> None:
        self.path = store_root / INDEX_FILE

    def _read(self) -> dict[str, IndexEntry]:
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise StoreError(f"{self.path}: cannot read the catalog index: {e}") from None
        routes = raw.get("routes", {}) if isinstance(raw, dict) else {}
        return {str(route): IndexEntry.from_json(entry) for route, entry in routes.items()}

    def routes(self) -> dict[str, IndexEntry]:
        """Every route and its entry."""
        return self._read()

    def find(self, route: str) -> IndexEntry | None:
        """The entry a route names, or None."""
        return self._read().get(route)

    def find_digest(self, name: str, digest: str) -> IndexEntry | None:
        """The entry of ``name`` at cache digest ``digest`` (route ``NAME.hash.DIGEST``)."""
        return self.find(f"{name}.hash.{digest}")

    @contextmanager
    def _locked(self) -> Iterator[dict[str, IndexEntry]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            routes = self._read()
            yield routes
            body = {"version": 1, "routes": {r: asdict(e) for r, e in sorted(routes.items())}}
            tmp = self.path.with_name(f".index.{os.getpid()}-{os.urandom(4).hex()}.tmp")
            try:
                with tmp.open("w", encoding="utf-8") as fh:
                    json.dump(body, fh, indent=1)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        finally:
            os.close(lock)

    def record(self, entry: IndexEntry) -> tuple[str, str, str]:
        """Record ``entry`` under its three routes; return them."""
        routes = entry.routes()
        with self._locked() as index:
            for route in routes:
                index[route] = entry
        return routes

    def forget(self, name: str, digest: str) -> None:
        """Drop every route that points at ``name`` at ``digest`` (a stale entry)."""
        with self._locked() as index:
            for route in [r for r, e in index.items() if e.name == name and e.digest == digest]:
                del index[route]
