"""Readers (and the auth.json writer) for the containers configuration files.

``registries.conf`` (v2, with drop-ins and short-name aliases), ``auth.json`` (with docker's
``config.json`` and credential helpers as fallbacks) and ``certs.d`` — the files podman, skopeo
and buildah already use, so that pallet shares their settings and logins.
"""

from pallet.transports.config.auth import (
    AuthFile,
    Credentials,
    default_auth_path,
    get_credentials,
    remove_credentials,
    store_credentials,
)
from pallet.transports.config.certs import TLSFiles, certs_dirs, find_tls_files
from pallet.transports.config.registries import (
    Mirror,
    PullSource,
    RegistriesConf,
    RegistryEntry,
    load_registries_conf,
    resolve_short_name,
)

__all__ = [
    "AuthFile",
    "Credentials",
    "Mirror",
    "PullSource",
    "RegistriesConf",
    "RegistryEntry",
    "TLSFiles",
    "certs_dirs",
    "default_auth_path",
    "find_tls_files",
    "get_credentials",
    "load_registries_conf",
    "remove_credentials",
    "resolve_short_name",
    "store_credentials",
]
