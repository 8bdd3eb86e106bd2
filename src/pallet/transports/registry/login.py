"""``login`` and ``logout``: verify credentials against ``/v2/``, then record them in auth.json."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pallet.transports.config.auth import default_auth_path, remove_credentials, store_credentials
from pallet.transports.registry.client import RegistryClient
from pallet.transports.registry.options import RegistryOptions

__all__ = ["login", "logout", "verify_login"]


def verify_login(
    host: str,
    username: str,
    password: str,
    opts: RegistryOptions | None = None,
    *,
    insecure: bool = False,
) -> None:
    """Raise Unauthorized (``unauthorized: authentication required``) unless the registry
    accepts ``username``/``password``."""
    opts = replace(opts or RegistryOptions(), credentials=(username, password))
    client = RegistryClient(host, opts, insecure=insecure)
    try:
        client.request("GET", "/v2/", scopes=(), context=f"logging in to {host}").drain()
    finally:
        client.close()


def login(
    host: str,
    username: str,
    password: str,
    opts: RegistryOptions | None = None,
    *,
    insecure: bool = False,
) -> Path:
    """Verify the credentials, then store them (``opts.auth_file`` or the default auth.json);
    return the file written."""
    opts = opts or RegistryOptions()
    verify_login(host, username, password, opts, insecure=insecure)
    return store_credentials(host, username, password, opts.auth_file)


def logout(host: str, auth_file: str | None = None) -> bool:
    """Forget ``host``'s credentials; False when there were none (podman then says
    ``not logged into HOST``)."""
    return remove_credentials(host, auth_file or default_auth_path())
