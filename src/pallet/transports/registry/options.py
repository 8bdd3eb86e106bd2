"""Options for the docker:// transport, and the two small interfaces callers implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pallet.oci.platform import Platform
from pallet.transports.config.registries import RegistriesConf

__all__ = ["BlobSink", "NullProgress", "Progress", "RegistryOptions"]


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """How to reach registries.

    ``tls_verify``: None follows registries.conf (``insecure = true`` → no verification and
    plain HTTP allowed), True always verifies, False never does and allows plain HTTP.
    ``credentials``: (username, password) overriding auth.json. ``registries_conf``: a path, an
    already loaded RegistriesConf, or None for the default files. ``chunk_size``: upload blobs
    in PATCH chunks of this size (0: one monolithic PUT). ``backoff``: first retry delay (s).
    """

    tls_verify: bool | None = None
    certs_dir: str | None = None
    auth_file: str | None = None
    credentials: tuple[str, str] | None = None
    registries_conf: str | RegistriesConf | None = None
    platform: Platform | None = None
    retries: int = 3
    user_agent: str = "pallet/0.1"
    chunk_size: int = 0
    max_workers: int = 3
    backoff: float = 0.5
    timeout: float = 60.0


class Progress(Protocol):
    """Per-blob progress for a pull or push; the CLI draws bars, the transport calls this.

    ``finished`` gets ``status``: ``"done"``, ``"exists"`` (already in the target registry)
    or ``"mounted"`` (cross-repository mount).
    """

    def started(self, digest: str, size: int) -> None: ...

    def advanced(self, digest: str, done: int) -> None:
        """``done`` is the total number of bytes transferred so far for this blob."""
        ...

    def finished(self, digest: str, status: str) -> None: ...


class NullProgress:
    """A Progress that ignores everything."""

    def started(self, digest: str, size: int) -> None:
        pass

    def advanced(self, digest: str, done: int) -> None:
        pass

    def finished(self, digest: str, status: str) -> None:
        pass


class BlobSink(Protocol):
    """Where a downloaded blob goes (``pallet.store``'s BlobWriter has this shape).

    The transport calls ``write`` with verified-so-far bytes in order, then exactly one of
    ``commit`` (after digest and size matched) or ``abort`` (on any failure, mismatch
    included). Nothing should become visible under the digest before ``commit``.
    """

    def write(self, data: bytes, /) -> object: ...

    def commit(self) -> object: ...

    def abort(self) -> None: ...
