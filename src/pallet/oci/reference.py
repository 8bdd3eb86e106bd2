"""Image references, parsed and normalised as podman and docker do.

``busybox`` is a *short name*: it has no registry. ``qualify`` gives it one the way the local
store names things podman-style (``localhost/busybox:latest``); ``docker_hub`` gives it Docker
Hub's form (``docker.io/library/busybox:latest``). Registry search for short names lives with
the registries.conf reader, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pallet.errors import InvalidReference

__all__ = ["DEFAULT_TAG", "DOCKER_HUB", "LOCALHOST", "Reference", "is_image_id_prefix"]

DEFAULT_TAG = "latest"
DOCKER_HUB = "docker.io"
LOCALHOST = "localhost"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_DOMAIN_RE = re.compile(
    r"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])"
    r"(?::[0-9]+)?$"
)
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_HEX_RE = re.compile(r"^[0-9a-f]{1,64}$")


def is_image_id_prefix(text: str) -> bool:
    """True for a hex string that may name an image or container by id (or id prefix)."""
    return bool(_HEX_RE.match(text))


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed image reference: ``[domain/]path[:tag][@digest]``.

    ``domain`` is empty for a short name. ``tag`` and ``digest`` are empty when absent.
    """

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> Reference:
        """Parse a reference; raise InvalidReference with the reason when it is malformed."""
        original = text
        if not text:
            raise InvalidReference("invalid reference format: empty reference")
        if len(text) > 4096:
            raise InvalidReference("invalid reference format: reference too long")
        for prefix in ("docker://",):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        digest = ""
        if "@" in text:
            text, digest = text.rsplit("@", 1)
            if not _DIGEST_RE.match(digest):
                raise InvalidReference(f"invalid reference format: bad digest in {original!r}")
        tag = ""
        slash = text.rfind("/")
        colon = text.rfind(":")
        if colon > slash:
            text, tag = text[:colon], text[colon + 1 :]
            if not _TAG_RE.match(tag):
                raise InvalidReference(f"invalid reference format: bad tag in {original!r}")
        domain = ""
        first, sep, rest = text.partition("/")
        if sep and ("." in first or ":" in first or first == LOCALHOST or first.startswith("[")):
            if not _DOMAIN_RE.match(first):
                raise InvalidReference(f"invalid reference format: bad registry in {original!r}")
            domain, text = first, rest
        if any(c.isupper() for c in text):
            raise InvalidReference(
                f"invalid reference format: repository name must be lowercase: {original!r}"
            )
        if not _PATH_RE.match(text):
            raise InvalidReference(f"invalid reference format: {original!r}")
        if len(text) + len(domain) > 255:
            raise InvalidReference("invalid reference format: repository name too long")
        return cls(domain=domain, path=text, tag=tag, digest=digest)

    @property
    def is_short(self) -> bool:
        """True when no registry was named."""
        return not self.domain

    @property
    def repository(self) -> str:
        """``domain/path`` (or just ``path`` for a short name)."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    def with_domain(self, domain: str) -> Reference:
        """This reference on another registry, Docker Hub's ``library/`` rule applied."""
        path = self.path
        if domain == DOCKER_HUB and "/" not in path:
            path = f"library/{path}"
        return replace(self, domain=domain, path=path)

    def qualify(self, default_domain: str = LOCALHOST) -> Reference:
        """Fill in a registry (``localhost`` by default) and the ``latest`` tag if missing."""
        ref = self if self.domain else self.with_domain(default_domain)
        if not ref.tag and not ref.digest:
            ref = replace(ref, tag=DEFAULT_TAG)
        return ref

    def docker_hub(self) -> Reference:
        """The reference as docker would read it: short names live on docker.io."""
        return self.qualify(DOCKER_HUB)

    def with_tag(self, tag: str) -> Reference:
        return replace(self, tag=tag, digest="")

    def with_digest(self, digest: str) -> Reference:
        return replace(self, tag="", digest=digest)

    @property
    def familiar(self) -> str:
        """Docker's short display form (``busybox:latest`` for docker.io/library/busybox)."""
        repo = self.repository
        if self.domain == DOCKER_HUB:
            repo = self.path.removeprefix("library/")
        return (
            repo + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")
        )

    def __str__(self) -> str:
        out = self.repository
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out
