"""The build cache: pure cache keys, and the index that maps a key to an intermediate image.

A step's key is a SHA-256 over what decides its result: the parent image id, the expanded
instruction (without its line numbers), the build args it can see, and, for COPY and ADD, the
digest of the content copied (names, modes, owners and bytes). Equal inputs give equal keys
on any machine; :func:`cache_key` does no I/O.

The index is one JSON file (``ROOT/build-cache.json``) of ``key -> image id``; the images are
ordinary dangling images in the store, so ``image prune`` may drop them, and a key whose
image is gone is simply a miss.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from pallet.build import instructions as ins

__all__ = ["CacheIndex", "cache_key", "instruction_text"]

_VERSION = "pallet-build-cache/1"


def instruction_text(inst: ins.Instruction) -> str:
    """A canonical text of an (expanded) instruction, independent of where it was written."""
    bare = dataclasses.replace(inst, line=0, end_line=0, original="")
    return f"{inst.keyword} {bare!r}"


def cache_key(
    parent: str,
    inst: ins.Instruction,
    *,
    args: Mapping[str, str] | None = None,
    content: str = "",
    extra: tuple[str, ...] = (),
) -> str:
    """The cache key of one step (pure).

    ``parent`` is the parent image id (``"scratch"`` for none), ``args`` the build args the
    step uses, ``content`` the digest of the files COPY/ADD copy, and ``extra`` anything else
    the result depends on (the ids of stages a ``--from`` names, the target platform).
    """
    h = hashlib.sha256()
    for part in (
        _VERSION,
        parent,
        instruction_text(inst),
        json.dumps(sorted((args or {}).items())),
        content,
        *extra,
    ):
        data = part.encode("utf-8", "surrogateescape")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return "sha256:" + h.hexdigest()


class CacheIndex:
    """``key -> image id``, read once per build and written back with the new entries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, str] | None = None
        self._new: dict[str, str] = {}

    @property
    def entries(self) -> dict[str, str]:
        """Every key known, including those added by this build."""
        if self._entries is None:
            self._entries = _read(self.path)
        return self._entries

    def get(self, key: str) -> str | None:
        """The image id stored for ``key``, or ``None``."""
        return self.entries.get(key)

    def put(self, key: str, image_id: str) -> None:
        """Remember ``key -> image_id`` (written by :meth:`save`)."""
        self.entries[key] = image_id
        self._new[key] = image_id

    def save(self, *, keep: set[str] | None = None) -> None:
        """Merge this build's entries into the file (under a lock, atomically).

        With ``keep`` (the image ids still in the store) entries whose image is gone are
        dropped, so the file does not grow forever after prunes.
        """
        if not self._new and keep is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = _read(self.path)
            current.update(self._new)
            if keep is not None:
                current = {k: v for k, v in current.items() if v in keep}
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": 1, "entries": current}, sort_keys=True))
            os.replace(tmp, self.path)
            self._entries = current
            self._new = {}
        finally:
            os.close(lock)


def _read(path: Path) -> dict[str, str]:
    try:
        with open(path, "rb") as fh:
            raw = json.load(fh)
    except (FileNotFoundError, ValueError):
        return {}
    entries = raw.get("entries") if isinstance(raw, dict) else None
    return {str(k): str(v) for k, v in (entries or {}).items()}
