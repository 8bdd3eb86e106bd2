"""``catalog load``: an image by name, route, path or URL, named as taskgraph's load-image names it.

What ``load`` accepts, tried in this order:

1. an ``http://`` or ``https://`` URL of an image.tar.zst (streamed, never stored whole);
2. a path to an image.tar.zst (or any docker-archive, compressed or not, e.g. ``docker save |
   zstd``);
3. a route of the local index (``NAME.hash.DIGEST``, ``NAME.latest``,
   ``NAME.pushdate.YYYY.MM-DD-HHMMSS``);
4. an image name of the catalog: its current cache digest is looked up in the local index,
   then in the index registry; without a source tree, ``NAME.latest``.

The image keeps the name its archive gives it (``NAME:CONTEXT_HASH`` for a catalog artifact,
what ``taskgraph load-image`` leaves) unless ``tag`` asks for another.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from pallet.catalog.local_index import IndexEntry, LocalIndex
from pallet.catalog.model import Catalog
from pallet.engine.catalog import LoadedArtifact, load_artifact, set_names
from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, NotFound, RegistryError

if TYPE_CHECKING:
    from pallet.transports.registry import RegistryOptions

__all__ = ["load_image"]


def _from_url(engine: Engine, url: str, tag: str | None) -> LoadedArtifact:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return load_artifact(engine, response, tag=tag)
    except urllib.error.HTTPError as e:
        raise RegistryError(f"{url}: {e.code} {e.reason}", status=e.code) from None
    except urllib.error.URLError as e:
        raise RegistryError(f"{url}: {e.reason}", temporary=True) from None


def _from_file(engine: Engine, path: str, tag: str | None) -> LoadedArtifact:
    with open(path, "rb") as fh:
        return load_artifact(engine, fh, tag=tag)


def _from_entry(engine: Engine, entry: IndexEntry, tag: str | None) -> LoadedArtifact:
    record = engine.store.images.get(entry.image_id)
    if record is not None:
        name = tag or entry.tag
        record = set_names(engine, record.id, [name])
        return LoadedArtifact(record, (name,))
    if entry.artifact and os.path.isfile(entry.artifact):
        return _from_file(engine, entry.artifact, tag)
    raise NotFound(f"image {entry.name}: neither the image nor its artifact is left")


def _from_catalog(
    engine: Engine,
    catalog: Catalog,
    name: str,
    tag: str | None,
    index_registry: str | None,
    options: RegistryOptions | None,
) -> LoadedArtifact:
    from pallet.catalog.builder import plan

    planned = plan(catalog, [name])[-1]
    entry = LocalIndex(engine.root.path).find_digest(name, planned.digest)
    if entry is not None:
        return _from_entry(engine, entry, tag)
    if index_registry:
        from pallet.catalog.registry_index import find_in_registry
        from pallet.transports.registry import RegistryOptions

        route = f"{name}.hash.{planned.digest}"
        opts = options or RegistryOptions()
        record = find_in_registry(engine, index_registry, route, opts)
        if record is not None:
            wanted = tag or planned.tag
            return LoadedArtifact(set_names(engine, record.id, [wanted]), (wanted,))
    raise NotFound(
        f"image {name}: nothing indexed for cache digest {planned.digest} "
        f"(run: pallet catalog build {name})"
    )


def load_image(
    engine: Engine,
    spec: str,
    *,
    tag: str | None = None,
    catalog: Callable[[], Catalog | None],
    index_registry: str | None = None,
    options: RegistryOptions | None = None,
) -> LoadedArtifact:
    """Load the image ``spec`` names (see the module's docstring).

    ``catalog`` is called only when ``spec`` is a name, and returns None when there is no
    source tree to read one from.
    """
    if not spec:
        raise InvalidArgument("load: want a name, a route, a path or a URL")
    if spec.startswith(("http://", "https://")):
        return _from_url(engine, spec, tag)
    if os.path.isfile(spec) or os.sep in spec:
        return _from_file(engine, spec, tag)
    index = LocalIndex(engine.root.path)
    entry = index.find(spec)
    if entry is not None:
        return _from_entry(engine, entry, tag)
    found = catalog()
    if found is not None and spec in found:
        return _from_catalog(engine, found, spec, tag, index_registry, options)
    latest = index.find(f"{spec}.latest")
    if found is None and latest is not None:
        return _from_entry(engine, latest, tag)
    raise NotFound(f"no catalog image, index route or file named {spec}")
