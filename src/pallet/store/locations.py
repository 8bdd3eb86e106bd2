"""Where the store and its run directory are, as plain strings (no ``pathlib``: a prepared
``run`` finds its store before importing anything heavy)."""

from __future__ import annotations

import os

__all__ = ["default_root", "default_run_root", "store_dirs"]

SYSTEM_ROOT = "/var/lib/pallet"


def default_root() -> str:
    """``PALLET_ROOT``, else /var/lib/pallet for root, else ``$XDG_DATA_HOME/pallet``."""
    env = os.environ.get("PALLET_ROOT")
    if env:
        return env
    if os.geteuid() == 0:
        return SYSTEM_ROOT
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(data, "pallet")


def default_run_root(root: str) -> str:
    """``PALLET_RUNROOT``; /run/pallet beside the default root; ``ROOT/run`` beside others."""
    env = os.environ.get("PALLET_RUNROOT")
    if env:
        return env
    norm = os.path.normpath(root)
    if norm == SYSTEM_ROOT and os.geteuid() == 0:
        return "/run/pallet"
    if (
        norm == os.path.normpath(default_root())
        and os.geteuid() != 0
        and os.environ.get("XDG_RUNTIME_DIR")
    ):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "pallet")
    return os.path.join(root, "run")


def store_dirs(root: str | None = None, run: str | None = None) -> tuple[str, str]:
    """The absolute store root and run directory for ``--root`` / ``--runroot`` (or their
    defaults), as ``StoreRoot.at`` resolves them."""
    path = os.path.abspath(root or default_root())
    return path, os.path.abspath(run) if run else default_run_root(path)
