"""``DockerClient``: docker-py's high-level client, run in this process against the store.

There is no service and no socket: every call goes straight to :mod:`pallet.engine`, on the
store root this client was opened on. ``from_env()`` reads ``PALLET_ROOT``/``PALLET_RUNROOT``
(and ``PALLET_RUNTIME``) the way the CLI does, so a script and ``pallet ps`` see the same
containers.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pallet.engine.context import Engine
    from pallet.local.models.containers import ContainerCollection
    from pallet.local.models.images import ImageCollection
    from pallet.local.models.networks import NetworkCollection
    from pallet.local.models.volumes import VolumeCollection

__all__ = ["API_VERSION", "DockerClient", "from_env"]

#: The Engine API version the shapes follow (what ``version()`` reports).
API_VERSION = "1.41"


class DockerClient:
    """A client for the local pallet store, shaped like ``docker.DockerClient``.

    ``root``/``runroot``/``runtime`` choose the store and the OCI runtime (defaults as the
    CLI's: ``PALLET_ROOT``, then /var/lib/pallet for root). docker-py's connection arguments
    (``base_url``, ``version``, ``timeout``, ``tls`` ...) are accepted and ignored, since there
    is nothing to connect to.
    """

    def __init__(
        self,
        *args: Any,
        root: str | Path | None = None,
        runroot: str | Path | None = None,
        runtime: str | None = None,
        **kwargs: Any,
    ) -> None:
        from pallet.engine.context import Engine

        self._engine: Engine | None = Engine.open(
            root=root or os.environ.get("PALLET_ROOT") or None,
            runroot=runroot or os.environ.get("PALLET_RUNROOT") or None,
            runtime=runtime or os.environ.get("PALLET_RUNTIME") or None,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> DockerClient:
        """A client on the store ``PALLET_ROOT`` names (or ``root=``); see the class."""
        return cls(**kwargs)

    @property
    def engine(self) -> Engine:
        """The engine handle every call goes through (open until ``close()``)."""
        if self._engine is None:
            from pallet.errors import PalletError

            raise PalletError("the client is closed")
        return self._engine

    @property
    def containers(self) -> ContainerCollection:
        """An object for managing containers (``client.containers.run(...)``)."""
        from pallet.local.models.containers import ContainerCollection

        return ContainerCollection(client=self)

    @property
    def images(self) -> ImageCollection:
        """An object for managing images."""
        from pallet.local.models.images import ImageCollection

        return ImageCollection(client=self)

    @property
    def networks(self) -> NetworkCollection:
        """An object for the networks that exist (``host`` and ``none``)."""
        from pallet.local.models.networks import NetworkCollection

        return NetworkCollection(client=self)

    @property
    def volumes(self) -> VolumeCollection:
        """An object for managing named volumes."""
        from pallet.local.models.volumes import VolumeCollection

        return VolumeCollection(client=self)

    def ping(self, *args: Any, **kwargs: Any) -> bool:
        """True: the store is reachable (it is a directory on this machine)."""
        self.engine.root.ensure()
        return True

    def version(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Docker's ``version`` shape, for pallet."""
        from pallet import __version__

        return {
            "Platform": {"Name": "pallet"},
            "Components": [{"Name": "Engine", "Version": __version__, "Details": {}}],
            "Version": __version__,
            "ApiVersion": API_VERSION,
            "MinAPIVersion": "1.24",
            "GitCommit": "",
            "GoVersion": "",
            "Os": "linux",
            "Arch": _arch(),
            "KernelVersion": platform.release(),
            "BuildTime": "",
            "PythonVersion": sys.version.split()[0],
        }

    def info(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Docker's ``info`` shape: counts of containers and images, the store's paths."""
        from pallet import __version__
        from pallet.engine.containers import list_containers
        from pallet.engine.images import list_images

        engine = self.engine
        views = list_containers(engine, all_=True)
        states = [v.state.status for v in views]
        images = {row.record.id for row in list_images(engine)}
        return {
            "ID": "",
            "Containers": len(views),
            "ContainersRunning": states.count("running"),
            "ContainersPaused": states.count("paused"),
            "ContainersStopped": len(states) - states.count("running") - states.count("paused"),
            "Images": len(images),
            "Driver": "overlay",
            "DockerRootDir": str(engine.root.path),
            "RunRoot": str(engine.root.run),
            "OperatingSystem": platform.platform(),
            "OSType": "linux",
            "Architecture": platform.machine(),
            "KernelVersion": platform.release(),
            "NCPU": os.cpu_count() or 1,
            "Name": platform.node(),
            "ServerVersion": __version__,
            "Runtimes": {engine.runtime_name or "runc": {}},
            "DefaultRuntime": engine.runtime_name or "runc",
            "Warnings": list(engine.warnings),
        }

    def df(self) -> dict[str, Any]:
        """Docker's ``system df`` shape: images, containers and volumes with their sizes."""
        from pallet.local.models.usage import disk_usage_attrs

        return disk_usage_attrs(self)

    def events(self, *args: Any, **kwargs: Any) -> Any:
        """Not available: there is no daemon to publish events."""
        from pallet.errors import PalletError

        raise PalletError("events are not available without a daemon")

    def login(self, *args: Any, **kwargs: Any) -> Any:
        """Not available in-process yet: use ``pallet login``."""
        from pallet.errors import PalletError

        raise PalletError("login is not available in the in-process client: use pallet login")

    def close(self) -> None:
        """Forget the engine handle; later calls raise."""
        self._engine = None

    def __enter__(self) -> DockerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def from_env(**kwargs: Any) -> DockerClient:
    """``docker.from_env()``: a client on the store ``PALLET_ROOT`` names (or ``root=``)."""
    return DockerClient.from_env(**kwargs)
