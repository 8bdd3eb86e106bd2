"""Pure OCI data: digests, references, descriptors, manifests, indexes, configs, platforms.

Names load on first use, so importing one submodule does not import them all.
"""

from __future__ import annotations

from pallet._lazy import lazy_exports

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from pallet.oci.config import ContainerConfig, Healthcheck, History, ImageConfig
    from pallet.oci.descriptor import Descriptor
    from pallet.oci.digest import Digest, sha256_of
    from pallet.oci.manifest import Index, Manifest, canonical_json, parse_manifest_or_index
    from pallet.oci.platform import Platform, host_platform
    from pallet.oci.reference import Reference

__all__ = [
    "ContainerConfig",
    "Descriptor",
    "Digest",
    "Healthcheck",
    "History",
    "ImageConfig",
    "Index",
    "Manifest",
    "Platform",
    "Reference",
    "canonical_json",
    "host_platform",
    "parse_manifest_or_index",
    "sha256_of",
]

_WHERE = {
    "ContainerConfig": ("config", "ContainerConfig"),
    "Descriptor": ("descriptor", "Descriptor"),
    "Digest": ("digest", "Digest"),
    "Healthcheck": ("config", "Healthcheck"),
    "History": ("config", "History"),
    "ImageConfig": ("config", "ImageConfig"),
    "Index": ("manifest", "Index"),
    "Manifest": ("manifest", "Manifest"),
    "Platform": ("platform", "Platform"),
    "Reference": ("reference", "Reference"),
    "canonical_json": ("manifest", "canonical_json"),
    "host_platform": ("platform", "host_platform"),
    "parse_manifest_or_index": ("manifest", "parse_manifest_or_index"),
    "sha256_of": ("digest", "sha256_of"),
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
