"""``containers.json`` as raw JSON: the lock, the read, the atomic write.

The engine's ``containers_transaction`` turns these dicts into ``ContainerRecord``s; a
prepared ``run`` (``pallet.cli.quickrun``) and the ``--rm`` cleanup in the monitor use them
as they are. Import-light on purpose: no ``pathlib``, ``json`` or ``dataclasses``, which cost
``run`` ~40 ms between them.
"""

from __future__ import annotations

import os

from pallet import jsonlite

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

__all__ = ["RawTransaction", "read_records", "retire", "write_records"]

FILE = "containers.json"
VERSION = 1


def read_records(root: str) -> dict[str, dict[str, Any]]:
    """Every container record in the store at ``root``, by id (unlocked: a snapshot)."""
    try:
        with open(os.path.join(root, FILE), "rb") as fh:
            raw = jsonlite.loads(fh.read())
    except FileNotFoundError:
        return {}
    return dict((raw or {}).get("containers") or {})


def write_records(root: str, records: dict[str, dict[str, Any]]) -> None:
    """Replace ``containers.json`` atomically (not fsynced: a crash loses at most the
    containers made just before it)."""
    from pallet.store.atomic import atomic_write

    data = jsonlite.dumps({"version": VERSION, "containers": records}, sort_keys=True)
    atomic_write(os.path.join(root, FILE), data.encode(), durable=False)


class RawTransaction:
    """``with RawTransaction(root) as records:`` locks ``containers.json``, loads it, and
    writes ``records`` back if the block ends without an exception."""

    def __init__(self, root: str) -> None:
        from pallet.store.lock import FileLock

        self.root = root
        self.records: dict[str, dict[str, Any]] = {}
        self._lock = FileLock(os.path.join(root, "locks", "containers.lock"))

    def __enter__(self) -> dict[str, dict[str, Any]]:
        os.makedirs(os.path.join(self.root, "locks"), exist_ok=True)
        self._lock.__enter__()
        try:
            self.records = read_records(self.root)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self.records

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                write_records(self.root, self.records)
        finally:
            self._lock.__exit__(exc_type, exc, tb)


def retire(root: str, cid: str) -> str:
    """Drop the record and move the container's directory into the store's ``tmp/``, as this
    process's staged garbage; return where it went ('' if there was no directory).

    The container is gone for every reader at once; deleting its files (the upper dir may be
    large) can follow, and if this process dies first, the next store writer removes them.
    """
    from pallet.store.staging import staging_name

    with RawTransaction(root) as records:
        records.pop(cid, None)
    tmp = os.path.join(root, "tmp")
    trash = os.path.join(tmp, staging_name("container"))
    try:
        os.makedirs(tmp, exist_ok=True)
        os.rename(os.path.join(root, "containers", cid), trash)
    except FileNotFoundError:
        return ""
    return trash
