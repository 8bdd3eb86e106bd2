"""The index as tags in a registry, so that a second machine finds what the first built.

``--index-registry HOST/REPO`` names one repository. Every built image is pushed there under
one tag per route, the route's dots turned into dashes (a tag is ``[A-Za-z0-9_][\\w.-]{0,127}``,
and dashes keep the route's parts apart however the name is spelled)::

    NAME.hash.DIGEST                  ->  HOST/REPO:NAME-hash-DIGEST
    NAME.latest                       ->  HOST/REPO:NAME-latest
    NAME.pushdate.2024.05-17-093000   ->  HOST/REPO:NAME-pushdate-2024-05-17-093000

A build that does not find an image's digest in its local index looks for the hash tag there
and pulls the image when it is found, instead of building it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, RegistryError
from pallet.oci.reference import Reference

if TYPE_CHECKING:
    from pallet.store.images import ImageRecord
    from pallet.transports.registry import RegistryOptions

__all__ = ["check_repository", "find_in_registry", "push_routes", "route_ref", "route_tag"]

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def route_tag(route: str) -> str:
    """The registry tag of a local route; InvalidArgument when the route cannot be a tag."""
    tag = route.replace(".", "-")
    if not _TAG.match(tag):
        raise InvalidArgument(f"route {route} cannot be a registry tag ({tag!r})")
    return tag


def check_repository(repository: str) -> str:
    """``HOST/REPO`` as given to ``--index-registry``, checked: a registry and no tag."""
    repo = repository.removeprefix("docker://").rstrip("/")
    try:
        ref = Reference.parse(repo)
    except InvalidArgument:
        raise InvalidArgument(f"--index-registry {repository}: not HOST/REPOSITORY") from None
    if ref.tag or ref.digest or "/" not in repo:
        raise InvalidArgument(f"--index-registry {repository}: want HOST/REPOSITORY, no tag")
    return repo


def route_ref(repository: str, route: str) -> str:
    """The full reference of ``route`` in the index repository."""
    return f"{check_repository(repository)}:{route_tag(route)}"


def find_in_registry(
    engine: Engine, repository: str, route: str, options: RegistryOptions
) -> ImageRecord | None:
    """Pull the image the registry keeps under ``route``; None when it has no such tag."""
    from pallet.engine.pull import pull_image

    try:
        return pull_image(engine, route_ref(repository, route), quiet=True, options=options)
    except RegistryError as exc:
        if exc.status == 404 or exc.code in ("MANIFEST_UNKNOWN", "NAME_UNKNOWN"):
            return None
        raise


def push_routes(
    engine: Engine,
    image_id: str,
    repository: str,
    routes: tuple[str, ...],
    options: RegistryOptions,
) -> list[str]:
    """Push the store image ``image_id`` under every route's tag; return the references."""
    from pallet.engine.push import push_image

    refs = [route_ref(repository, route) for route in routes]
    for ref in refs:
        push_image(engine, image_id, ref, options=options)
    return refs
