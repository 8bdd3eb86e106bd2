"""``certs.d``: per-registry CA certificates and client certificates.

For a registry ``HOST:PORT`` the directory ``<base>/HOST:PORT/`` may hold ``*.crt`` files (CAs
trusted in addition to the system's) and ``*.cert`` + ``*.key`` pairs (a client certificate),
as docker and containers/image read them. The bases are, in order: an explicit directory,
``$PALLET_CERTS_D`` (so tests never write to /etc), ``/etc/containers/certs.d`` and
``/etc/docker/certs.d`` (plus ``~/.config/containers/certs.d`` for non-root users).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TLSFiles", "certs_dirs", "find_tls_files"]

ENV_CERTS_D = "PALLET_CERTS_D"
SYSTEM_CERTS_DIRS = ("/etc/containers/certs.d", "/etc/docker/certs.d")


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """The CA files and client (cert, key) pairs found for one registry host."""

    ca_files: tuple[Path, ...] = ()
    client_pairs: tuple[tuple[Path, Path], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.ca_files and not self.client_pairs


def certs_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """The base directories to search, most specific first.

    An explicit directory (``--cert-dir``) or ``$PALLET_CERTS_D`` replaces the defaults, the
    way ``--cert-dir`` does for skopeo.
    """
    if explicit:
        return [Path(explicit)]
    env = os.environ.get(ENV_CERTS_D)
    if env:
        return [Path(env)]
    dirs: list[Path] = []
    if os.geteuid() != 0:
        dirs.append(Path.home() / ".config" / "containers" / "certs.d")
    dirs.extend(Path(d) for d in SYSTEM_CERTS_DIRS)
    return dirs


def find_tls_files(host: str, base: str | os.PathLike[str] | None = None) -> TLSFiles:
    """The TLS files for ``host`` (``HOST`` or ``HOST:PORT`` exactly as in the reference).

    The first base directory holding a ``host`` subdirectory wins; a ``.cert`` without its
    ``.key`` is ignored, as docker does.
    """
    for root in certs_dirs(base):
        d = root / host
        if not d.is_dir():
            continue
        names = sorted(os.listdir(d))
        cas = tuple(d / n for n in names if n.endswith(".crt"))
        pairs = tuple(
            (d / n, d / (n[: -len(".cert")] + ".key"))
            for n in names
            if n.endswith(".cert") and (d / (n[: -len(".cert")] + ".key")).is_file()
        )
        return TLSFiles(cas, pairs)
    return TLSFiles()
