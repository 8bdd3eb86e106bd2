"""Resolve ``--user USER[:GROUP]`` against a rootfs' /etc/passwd and /etc/group."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pallet.errors import InvalidArgument

__all__ = ["ResolvedUser", "resolve_user"]


@dataclass(frozen=True, slots=True)
class ResolvedUser:
    """The ids a container process runs with, and the home directory from passwd."""

    uid: int
    gid: int
    additional_gids: tuple[int, ...] = ()
    home: str = "/"


def _read_db(rootfs: str, name: str) -> list[list[str]]:
    # Never follow a symlink out of the rootfs: resolve /etc inside it by hand.
    path = os.path.join(rootfs, "etc", name)
    try:
        if os.path.islink(path) or os.path.islink(os.path.join(rootfs, "etc")):
            return []
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return []
    return [ln.split(":") for ln in lines if ln and not ln.startswith("#")]


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def resolve_user(rootfs: str, spec: str) -> ResolvedUser:
    """Resolve ``spec`` (``""``, ``NAME``, ``UID``, ``NAME:GROUP``, ``UID:GID`` ...) in ``rootfs``.

    Numeric ids need no entry in passwd (a rootfs without /etc/passwd runs them as given);
    names that are not found raise :class:`InvalidArgument` with podman's wording.
    """
    user, _, group = (spec or "0").partition(":")
    user = user or "0"
    passwd = _read_db(rootfs, "passwd")
    uid = _int(user)
    gid: int | None = None
    home = "/"
    name = user
    for entry in passwd:
        if len(entry) < 4:
            continue
        if (uid is None and entry[0] == user) or (uid is not None and _int(entry[2]) == uid):
            uid, gid, name = _int(entry[2]), _int(entry[3]), entry[0]
            home = entry[5] if len(entry) > 5 and entry[5] else "/"
            break
    if uid is None:
        raise InvalidArgument(f"unable to find user {user}: no matching entries in passwd file")
    groups = _read_db(rootfs, "group")
    if group:
        gid = _int(group)
        if gid is None:
            for entry in groups:
                if len(entry) >= 3 and entry[0] == group:
                    gid = _int(entry[2])
                    break
            else:
                raise InvalidArgument(
                    f"unable to find group {group}: no matching entries in group file"
                )
    if gid is None:
        gid = 0
    extra: list[int] = []
    if not group:  # supplementary groups apply only when the group was not given explicitly
        for entry in groups:
            if len(entry) >= 4 and name in entry[3].split(","):
                g = _int(entry[2])
                if g is not None and g != gid and g not in extra:
                    extra.append(g)
    return ResolvedUser(uid=uid, gid=gid, additional_gids=tuple(extra), home=home)
