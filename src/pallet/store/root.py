"""Where the store lives, and the layout beneath its root.

ROOT/
  blobs/sha256/HEX        content-addressed blobs (manifests, configs, layer blobs)
  layers/HEX/diff/        an unpacked layer, HEX = its diffID; layers/HEX/layer.json
  images.json             every image record: id, names, manifest, repo digests
  containers.json         every container record (see pallet.engine)
  containers/ID/          a container's own files (upper dir, logs, exit, monitor)
  volumes/NAME/_data      named volumes
  tmp/                    staging for writes in flight (cleaned when their owner is gone)
  locks/                  lock files
RUNROOT/                  runtime state that must not survive a reboot
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pallet.store import locations

__all__ = ["StoreRoot", "default_root", "default_run_root"]


def default_root() -> Path:
    """``PALLET_ROOT``, else /var/lib/pallet for root, else ``$XDG_DATA_HOME/pallet``."""
    return Path(locations.default_root())


def default_run_root(root: Path) -> Path:
    """``PALLET_RUNROOT``; /run/pallet beside the default root; ``ROOT/run`` beside others."""
    return Path(locations.default_run_root(str(root)))


@dataclass(frozen=True, slots=True)
class StoreRoot:
    """The paths of one store. ``ensure()`` creates the directories."""

    path: Path
    run: Path

    @classmethod
    def at(cls, path: Path | str | None = None, run: Path | str | None = None) -> StoreRoot:
        root, run_dir = locations.store_dirs(str(path) if path else None, str(run) if run else None)
        return cls(Path(root), Path(run_dir))

    @property
    def blobs(self) -> Path:
        return self.path / "blobs" / "sha256"

    @property
    def layers(self) -> Path:
        return self.path / "layers"

    @property
    def images_file(self) -> Path:
        return self.path / "images.json"

    @property
    def containers_file(self) -> Path:
        return self.path / "containers.json"

    @property
    def containers(self) -> Path:
        return self.path / "containers"

    @property
    def volumes(self) -> Path:
        return self.path / "volumes"

    @property
    def tmp(self) -> Path:
        return self.path / "tmp"

    @property
    def locks(self) -> Path:
        return self.path / "locks"

    def lock_path(self, name: str) -> Path:
        return self.locks / f"{name}.lock"

    def ensure(self) -> StoreRoot:
        for p in (
            self.blobs,
            self.layers,
            self.containers,
            self.volumes,
            self.tmp,
            self.locks,
            self.run,
        ):
            p.mkdir(parents=True, exist_ok=True)
        return self
