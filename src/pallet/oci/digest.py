"""Content digests (``sha256:<hex>``), as the OCI image spec defines them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pallet.errors import DigestMismatch, InvalidArgument

if TYPE_CHECKING:
    import hashlib

__all__ = ["Digest", "sha256_of"]

_ALGORITHMS = {"sha256": 64, "sha512": 128}
_DIGEST_RE = re.compile(r"^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")


@dataclass(frozen=True, slots=True, order=True)
class Digest:
    """A digest such as ``sha256:abc…``: an algorithm and its lowercase hex encoding."""

    algorithm: str
    hex: str

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse ``algo:hex``; raise InvalidArgument for anything else."""
        m = _DIGEST_RE.match(text)
        if not m:
            raise InvalidArgument(f"invalid digest {text!r}")
        algo, hexpart = m.group(1), m.group(2)
        want = _ALGORITHMS.get(algo)
        if want is None:
            raise InvalidArgument(f"unsupported digest algorithm {algo!r} in {text!r}")
        if len(hexpart) != want or not re.fullmatch(r"[0-9a-f]+", hexpart):
            raise InvalidArgument(f"invalid {algo} digest {text!r}")
        return cls(algo, hexpart)

    @classmethod
    def from_hex(cls, hexpart: str, algorithm: str = "sha256") -> Digest:
        return cls.parse(f"{algorithm}:{hexpart}")

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @property
    def short(self) -> str:
        """The 12-character short form docker and podman print for ids."""
        return self.hex[:12]

    def hasher(self) -> hashlib._Hash:
        import hashlib

        return hashlib.new(self.algorithm)

    def verify(self, data: bytes, what: str = "blob") -> None:
        """Raise DigestMismatch unless ``data`` hashes to this digest."""
        import hashlib

        actual = hashlib.new(self.algorithm, data).hexdigest()
        if actual != self.hex:
            raise DigestMismatch(str(self), f"{self.algorithm}:{actual}", what)


def sha256_of(data: bytes) -> Digest:
    """The sha256 digest of exactly these bytes."""
    import hashlib

    return Digest("sha256", hashlib.sha256(data).hexdigest())
