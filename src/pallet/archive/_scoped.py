"""Path handling that keeps every write of an extraction inside its destination."""

from __future__ import annotations

import os
import shutil
import stat

from pallet.errors import InvalidArchive, UnsafeArchive

MAX_SYMLINK_HOPS = 40
"""As the kernel's limit: more hops than this is a loop."""


def split_member_name(name: str) -> list[str]:
    """The components of a member name, made relative and cleaned of ``.`` and ``..``.

    A leading ``/`` is dropped (absolute names are taken relative to the destination, as
    ``tar`` and containerd do); a ``..`` that would climb above the root raises UnsafeArchive.
    """
    if "\x00" in name:
        raise InvalidArchive(f"member name {name!r} contains a NUL byte")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise UnsafeArchive(f"member {name!r} points outside the destination")
            parts.pop()
        else:
            parts.append(part)
    return parts


class ScopedRoot:
    """Resolves directories under ``root`` following symlinks as if ``root`` were ``/``.

    A symlink met on the way (made earlier by this archive, or already in the destination) is
    followed with chroot semantics: absolute targets start again at ``root`` and ``..`` stops
    there, so a path can never leave it. Results are cached until something that could be on a
    cached path (a directory or a symlink) is removed.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self._dirs: dict[str, str] = {"": root}
        self.created: list[str] = []
        """Directories made implicitly while resolving; the caller may take and clear them."""

    def forget(self) -> None:
        """Drop cached resolutions (call after removing a directory or a symlink)."""
        self._dirs = {"": self.root}

    def remember(self, parts: list[str], path: str) -> None:
        """Record that the directory named by ``parts`` is at ``path``."""
        self._dirs["/".join(parts)] = path

    def resolve_dir(self, parts: list[str], *, create: bool) -> str | None:
        """The real path of the directory named by ``parts``.

        Missing directories are made (mode 0755) when ``create``, else None is returned. A
        non-directory on the way raises InvalidArchive.
        """
        key = "/".join(parts)
        found = self._dirs.get(key)
        if found is not None:
            return found
        real: list[str] = []
        pending = parts[::-1]
        hops = 0
        while pending:
            name = pending.pop()
            if name in ("", "."):
                continue
            if name == "..":
                if real:
                    real.pop()
                continue
            path = self.path(real, name)
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(path, 0o755)
                self.created.append(path)
                real.append(name)
                continue
            if stat.S_ISDIR(mode):
                real.append(name)
            elif stat.S_ISLNK(mode):
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise InvalidArchive(f"{key!r}: too many levels of symbolic links")
                target = os.readlink(path)
                if target.startswith("/"):
                    real = []
                pending.extend(reversed(target.split("/")))
            else:
                raise InvalidArchive(f"{key!r}: {'/'.join([*real, name])!r} is not a directory")
        found = self.path(real)
        self._dirs[key] = found
        return found

    def path(self, real: list[str], name: str = "") -> str:
        """The host path of the resolved components ``real`` plus ``name``."""
        parts = [*real, name] if name else real
        return "/".join([self.root, *parts]) if parts else self.root

    def remove(self, path: str, *, keep_dir: bool = False) -> bool:
        """Remove whatever is at ``path`` (without following it); True if a directory was kept."""
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(mode):
            if keep_dir:
                return True
            shutil.rmtree(path)
            self.forget()
        else:
            os.unlink(path)
            if stat.S_ISLNK(mode):
                self.forget()
        return False
