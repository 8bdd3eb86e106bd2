"""The build context: a directory seen through its ignore file, source lookup and content digests.

Source paths are resolved as if the context directory were ``/``: a symlink pointing out of
the context (``../../etc``, ``/etc/passwd``) resolves inside it, as BuildKit's snapshot does,
so nothing outside the context can be read. Files excluded by ``.containerignore`` (or
``.dockerignore``) do not exist for COPY and ADD.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pallet.build.copier import resolve_in_root
from pallet.build.ignore import IgnoreMatcher, clean_path
from pallet.errors import BuildError

__all__ = ["BuildContext", "Source", "tree_entries"]

_GLOB = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Source:
    """One resolved COPY/ADD source: its host path, its context-relative path, its name."""

    path: str
    rel: str
    name: str
    is_dir: bool


def tree_entries(
    root: str, skip: IgnoreMatcher | None = None, rel: str = ""
) -> Iterator[tuple[str, os.stat_result]]:
    """``(relative name, lstat)`` of everything under ``root`` (not ``root``), sorted, with the
    paths ``skip`` excludes (matched against ``rel/name``) left out."""
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except NotADirectoryError:
        return
    for entry in entries:
        crel = f"{rel}/{entry.name}" if rel else entry.name
        st = entry.stat(follow_symlinks=False)
        is_dir = stat.S_ISDIR(st.st_mode)
        if skip is not None and skip.excluded(crel):
            if not is_dir or skip.may_skip_dir(crel):
                continue
            yield from tree_entries(entry.path, skip, crel)  # an exception may live below
            continue
        yield crel, st
        if is_dir:
            yield from tree_entries(entry.path, skip, crel)


class BuildContext:
    """A context directory (absolute, symlinks resolved) and the ignore rules in force."""

    def __init__(self, root: Path, ignore: IgnoreMatcher | None = None) -> None:
        self.root = root.resolve()
        self.ignore = ignore or IgnoreMatcher(())

    @classmethod
    def from_dir(cls, root: Path, dockerfile: str = "Dockerfile") -> BuildContext:
        """Open ``root``, reading ``.containerignore``, ``Dockerfile.dockerignore`` style
        per-file ignores, or ``.dockerignore`` (first found wins)."""
        if not root.is_dir():
            raise BuildError(f"context must be a directory: {root}")
        names = [f"{os.path.basename(dockerfile)}.containerignore",
                 f"{os.path.basename(dockerfile)}.dockerignore",
                 ".containerignore", ".dockerignore"]  # fmt: skip
        for name in names:
            path = root / name
            if path.is_file():
                return cls(root, IgnoreMatcher.from_text(path.read_text(errors="replace")))
        return cls(root)

    # -- lookup -----------------------------------------------------------------------------

    def _real(self, rel: str) -> str | None:
        """Resolve ``rel`` inside the context (chroot semantics); None if it does not exist."""
        host = resolve_in_root(str(self.root), rel)
        if not os.path.lexists(host):
            return None
        real = os.path.relpath(host, self.root)
        return "" if real == "." else real

    def _visible(self, rel: str) -> bool:
        return not rel or not self.ignore.excluded(rel)

    def resolve(self, pattern: str, keyword: str = "COPY") -> list[Source]:
        """The sources ``pattern`` names (a path or a glob, relative to the context)."""
        cleaned = clean_path("/" + pattern).lstrip("/")
        if any(c in _GLOB for c in cleaned):
            globbed = [self._source(r, os.path.basename(r)) for r in self._glob(cleaned)]
            hits = [h for h in globbed if h is not None]
            if not hits:
                raise BuildError(f'{keyword} failed: no source files were specified: no items '
                                 f'matching glob "{pattern}" in the build context')  # fmt: skip
            return hits
        name = os.path.basename(cleaned) if cleaned else ""
        found = self._source(cleaned, name)
        if found is None:
            raise BuildError(
                f"{keyword} failed: file not found in build context or excluded by "
                f".dockerignore: stat {pattern}: file does not exist"
            )
        return [found]

    def _source(self, rel: str, name: str) -> Source | None:
        if not self._visible(rel):
            return None
        real = self._real(rel)
        if real is None or not self._visible(real):
            return None
        path = os.path.join(self.root, real) if real else str(self.root)
        return Source(path, real, name, os.path.isdir(path))

    def _glob(self, pattern: str) -> list[str]:
        found = [""]
        for part in pattern.split("/"):
            nxt: list[str] = []
            for base in found:
                real = self._real(base)
                if real is None:
                    continue
                directory = os.path.join(self.root, real)
                if not any(c in _GLOB for c in part):
                    cand = f"{base}/{part}" if base else part
                    if os.path.lexists(os.path.join(directory, part)):
                        nxt.append(cand)
                    continue
                try:
                    names = sorted(os.listdir(directory))
                except (NotADirectoryError, FileNotFoundError):
                    continue
                nxt.extend(f"{base}/{n}" if base else n for n in names
                           if fnmatch.fnmatchcase(n, part))  # fmt: skip
            found = nxt
        return [f for f in found if self._visible(f)]

    # -- content ----------------------------------------------------------------------------

    def walk(self, source: Source) -> Iterator[tuple[str, str, os.stat_result]]:
        """``(name relative to the source, host path, lstat)`` under a directory source."""
        skip = _Prefixed(self.ignore, source.rel) if self.ignore.patterns else None
        for rel, st in tree_entries(source.path, skip):  # type: ignore[arg-type]
            yield rel, os.path.join(source.path, rel), st

    def digest(self, sources: list[Source]) -> str:
        """A digest of the names, modes, owners and bytes of ``sources`` (mtimes excluded)."""
        h = hashlib.sha256()
        for src in sources:
            st = os.stat(src.path)
            _entry(h, src.name + ("/" if src.is_dir else ""), src.path, st)
            if src.is_dir:
                for rel, path, est in self.walk(src):
                    _entry(h, rel, path, est)
        return "sha256:" + h.hexdigest()


class _Prefixed:
    """An ignore matcher seen from a subdirectory of the context."""

    def __init__(self, inner: IgnoreMatcher, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix + "/" if prefix else ""

    def excluded(self, rel: str) -> bool:
        return self.inner.excluded(self.prefix + rel)

    def may_skip_dir(self, rel: str) -> bool:
        return self.inner.may_skip_dir(self.prefix + rel)

    @property
    def patterns(self) -> tuple[object, ...]:
        return self.inner.patterns


def _entry(h: hashlib._Hash, name: str, path: str, st: os.stat_result) -> None:
    h.update(
        f"{name}\0{st.st_mode:o}\0{st.st_uid}:{st.st_gid}\0".encode("utf-8", "surrogateescape")
    )
    if stat.S_ISREG(st.st_mode):
        h.update(st.st_size.to_bytes(8, "big"))
        with open(path, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    elif stat.S_ISLNK(st.st_mode):
        h.update(os.fsencode(os.readlink(path)))
    h.update(b"\n")
