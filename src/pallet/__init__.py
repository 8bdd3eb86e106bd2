"""pallet: a daemonless container toolkit.

``import pallet as docker`` works for scripts written against docker-py: ``from_env``,
``DockerClient``, ``errors`` and ``types`` are loaded on first use (PEP 562), so importing
the package stays cheap for the CLI.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


__version__ = "0.1.0"

__all__ = ["DockerClient", "__version__", "errors", "from_env", "types"]

if TYPE_CHECKING:
    from typing import Any

    from pallet import errors
    from pallet.local import types
    from pallet.local.client import DockerClient, from_env


def __getattr__(name: str) -> Any:
    if name in ("from_env", "DockerClient"):
        from pallet.local import client

        return getattr(client, name)
    if name == "errors":
        import importlib

        return importlib.import_module("pallet.errors")
    if name == "types":
        from pallet.local import types

        return types
    raise AttributeError(f"module 'pallet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "DockerClient", "errors", "from_env", "types"])
