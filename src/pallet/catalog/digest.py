"""What an image's build depends on: its args, its parent, and the cache digest of them all.

taskgraph finds a cached image by a digest of its inputs: the sha256 of these lines joined by
newlines, in this order (``taskgraph.transforms.docker_image`` then ``cached_tasks``):

1. the context hash;
2. the kind file's args as compact JSON with sorted keys (``{"A":"1"}``);
3. ``image-builder-image:<builder image>``, when a builder image is named;
4. the cache entries of the task's dependencies, sorted: for a parent image
   ``docker-images.v2/<parent>/<parent's digest>``;
5. ``True`` when the task has chain of trust.

So a change to a parent changes its digest, hence its children's, and nothing else. pallet
uses lines 1, 2 and 4 (it has no builder image nor chain of trust); :func:`cache_digest` can add
3 and 5 to reproduce taskgraph's digest exactly.

``DOCKER_IMAGE_PARENT`` is how a child's Dockerfile names its parent (``ARG
DOCKER_IMAGE_PARENT`` / ``FROM $DOCKER_IMAGE_PARENT``). Firefox's taskgraph fills it with
``PARENT:CONTEXT_HASH`` (the parent's name and context hash, the tag the parent is loaded
under) and passes it among the args before hashing the child's context, so a Dockerfile that
takes it through ``# %ARG DOCKER_IMAGE_PARENT`` hashes the parent's hash in too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from pallet.catalog.context import context_hash
from pallet.catalog.graph import order
from pallet.catalog.model import Catalog, CatalogImage
from pallet.errors import InvalidArgument

__all__ = [
    "CACHE_TYPE",
    "PARENT_ARG",
    "cache_digest",
    "cache_digests",
    "context_hashes",
    "image_args",
    "parent_value",
]

CACHE_TYPE = "docker-images.v2"
"""taskgraph's cache type for docker images; it appears in digests and index routes."""

PARENT_ARG = "DOCKER_IMAGE_PARENT"


def parent_value(parent: str, parent_context_hash: str) -> str:
    """``DOCKER_IMAGE_PARENT`` as Firefox's taskgraph fills it: ``PARENT:CONTEXT_HASH``."""
    return f"{parent}:{parent_context_hash}"


def image_args(image: CatalogImage, parent_context_hash: str | None = None) -> dict[str, str]:
    """The image's args plus ``DOCKER_IMAGE_PARENT`` when it has a parent.

    These are the args for its context hash (``# %ARG``) and for its build (build args).
    """
    args = dict(image.args)
    if image.parent is not None:
        if parent_context_hash is None:
            raise InvalidArgument(f"image {image.name}: needs the context hash of {image.parent}")
        args[PARENT_ARG] = parent_value(image.parent, parent_context_hash)
    return args


def cache_digest(
    image: CatalogImage,
    context_hash: str,
    parent_digest: str | None,
    *,
    builder: str | None = None,
    chain_of_trust: bool = False,
) -> str:
    """The cache digest of ``image`` (see the module's docstring for what goes in).

    ``parent_digest`` is the parent's own cache digest, None for an image without a parent.
    """
    if (image.parent is None) != (parent_digest is None):
        raise InvalidArgument(
            f"image {image.name}: a parent digest is needed exactly when there is a parent"
        )
    data = [context_hash, json.dumps(dict(image.args), sort_keys=True, separators=(",", ":"))]
    if builder is not None:
        data.append(f"image-builder-image:{builder}")
    if image.parent is not None:
        data.append(f"{CACHE_TYPE}/{image.parent}/{parent_digest}")
    if chain_of_trust:
        data.append("True")
    return hashlib.sha256("\n".join(data).encode("utf-8")).hexdigest()


def context_hashes(catalog: Catalog) -> dict[str, str]:
    """Every image's context hash, parents first (a child's args hold its parent's hash)."""
    hashes: dict[str, str] = {}
    for image in order(catalog):
        parent_hash = hashes[image.parent] if image.parent is not None else None
        hashes[image.name] = context_hash(
            catalog.topsrcdir,
            Path(image.path),
            image_args(image, parent_hash),
            image=image.name,
        )
    return hashes


def cache_digests(catalog: Catalog, hashes: Mapping[str, str]) -> dict[str, str]:
    """Every image's cache digest from its context hash (as :func:`context_hashes` gives)."""
    digests: dict[str, str] = {}
    for image in order(catalog):
        parent_digest = digests[image.parent] if image.parent is not None else None
        digests[image.name] = cache_digest(image, hashes[image.name], parent_digest)
    return digests
