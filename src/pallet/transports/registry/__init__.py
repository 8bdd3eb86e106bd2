"""The docker:// transport: a client for the OCI distribution spec, and image read/write.

Importing this package pulls in only the standard library's ``http.client`` and ``ssl``.
"""

from pallet.transports.registry.blobs import BlobReader, fetch_blob
from pallet.transports.registry.client import MANIFEST_LIMIT, RegistryClient
from pallet.transports.registry.image import list_tags, read, read_image, write, write_index
from pallet.transports.registry.login import login, logout, verify_login
from pallet.transports.registry.options import BlobSink, NullProgress, Progress, RegistryOptions
from pallet.transports.registry.remote import (
    RemoteImage,
    RemoteIndex,
    RemoteLayer,
    select_platform,
)
from pallet.transports.registry.upload import upload_blob

__all__ = [
    "MANIFEST_LIMIT",
    "BlobReader",
    "BlobSink",
    "NullProgress",
    "Progress",
    "RegistryClient",
    "RegistryOptions",
    "RemoteImage",
    "RemoteIndex",
    "RemoteLayer",
    "fetch_blob",
    "list_tags",
    "login",
    "logout",
    "read",
    "read_image",
    "select_platform",
    "upload_blob",
    "verify_login",
    "write",
    "write_index",
]
