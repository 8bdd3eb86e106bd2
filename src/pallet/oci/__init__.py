"""Pure OCI data: digests, references, descriptors, manifests, indexes, configs, platforms."""

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
