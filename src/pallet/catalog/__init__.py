"""Taskcluster-style image catalogs: image folders, context hashes, parents, cache digests.

A source tree keeps one folder per image (``taskcluster/docker/NAME``); an image is rebuilt
only when its context changes, found again by the hash of its context, and shipped as a
zstd-compressed ``docker save`` tar. Everything here is compatible with taskcluster-taskgraph:
the same kind file, the same context hash, the same cache digest and index route shapes. This
package is the pure core: it reads the tree, but builds nothing and touches no store.
"""

from pallet.catalog.context import (
    check_context,
    context_hash,
    context_members,
    write_context_tar,
)
from pallet.catalog.digest import (
    CACHE_TYPE,
    PARENT_ARG,
    cache_digest,
    cache_digests,
    context_hashes,
    image_args,
    parent_value,
)
from pallet.catalog.graph import ancestors, check, dependents, layers, order, with_ancestors
from pallet.catalog.index import ARTIFACT_NAME, local_routes, taskcluster_routes, zstd_level
from pallet.catalog.kind import KIND_FILES, KindEntry, find_kind_file, load_kind, parse_kind
from pallet.catalog.model import Catalog, CatalogImage
from pallet.catalog.tree import DEFAULT_IMAGES_DIR, from_parent, load_catalog

__all__ = [
    "ARTIFACT_NAME",
    "CACHE_TYPE",
    "DEFAULT_IMAGES_DIR",
    "KIND_FILES",
    "PARENT_ARG",
    "Catalog",
    "CatalogImage",
    "KindEntry",
    "ancestors",
    "cache_digest",
    "cache_digests",
    "check",
    "check_context",
    "context_hash",
    "context_hashes",
    "context_members",
    "dependents",
    "find_kind_file",
    "from_parent",
    "image_args",
    "layers",
    "load_catalog",
    "load_kind",
    "local_routes",
    "order",
    "parent_value",
    "parse_kind",
    "taskcluster_routes",
    "with_ancestors",
    "write_context_tar",
    "zstd_level",
]
