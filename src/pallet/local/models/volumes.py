"""Named volumes, shaped like ``docker.models.volumes``."""

from __future__ import annotations

import builtins
from typing import Any

from pallet.errors import InvalidArgument
from pallet.local.models.resource import Collection, Model

__all__ = ["Volume", "VolumeCollection"]


class Volume(Model):
    """A volume."""

    id_attribute = "Name"

    @property
    def name(self) -> str:
        """The name of the volume."""
        return str(self.attrs["Name"])

    def remove(self, force: bool = False) -> None:
        """Remove this volume (``force`` also removes the containers that use it)."""
        from pallet.engine.volumes import remove_volume

        remove_volume(self._client.engine, self.id, force=force)


class VolumeCollection(Collection[Volume]):
    """Volumes in the store."""

    model = Volume

    def create(self, name: str | None = None, **kwargs: Any) -> Volume:
        """Create a volume (a random name when ``name`` is None); ``labels`` as a dict."""
        from pallet.engine.volumes import create_volume

        unknown = sorted(set(kwargs) - {"driver", "driver_opts", "labels"})
        if unknown:
            raise TypeError(f"create() got an unexpected keyword argument '{unknown[0]}'")
        if kwargs.get("driver") not in (None, "local"):
            raise InvalidArgument(f"volume driver {kwargs['driver']!r} is not supported")
        if kwargs.get("driver_opts"):
            raise InvalidArgument("volume driver options are not supported")
        labels = {str(k): str(v) for k, v in (kwargs.get("labels") or {}).items()}
        attrs = create_volume(self._client.engine, name or "", labels=labels)
        return self.prepare_model(attrs)

    def get(self, volume_id: str) -> Volume:
        """A volume by name (NotFound: ``No such volume: name``)."""
        from pallet.engine.volumes import inspect_volume

        return self.prepare_model(inspect_volume(self._client.engine, volume_id))

    def list(self, *, filters: dict[str, Any] | None = None) -> builtins.list[Volume]:
        """Every volume; ``filters`` may hold ``name`` and ``label``."""
        from pallet.engine.volumes import list_volumes
        from pallet.local.models.filters import label_matches, listed

        out = []
        for attrs in list_volumes(self._client.engine):
            f = filters or {}
            if "name" in f and not any(n in attrs["Name"] for n in listed(f["name"])):
                continue
            if "label" in f and not label_matches(attrs.get("Labels") or {}, f["label"]):
                continue
            out.append(self.prepare_model(attrs))
        return out

    def prune(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Remove every volume no container uses."""
        from pallet.engine.volumes import prune_volumes

        if filters:
            raise InvalidArgument("prune filters are not supported yet")
        deleted = prune_volumes(self._client.engine)
        return {"VolumesDeleted": deleted or None, "SpaceReclaimed": 0}
