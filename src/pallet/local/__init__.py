"""The in-process Python API: docker-py's high-level client over pallet's engine.

``import pallet as docker; client = docker.from_env()`` gives a :class:`DockerClient` whose
``containers``, ``images``, ``volumes`` and ``networks`` behave as docker-py's, without a
service or a socket: calls go straight to :mod:`pallet.engine` on the local store.
"""

from __future__ import annotations

from pallet.local.client import DockerClient, from_env

__all__ = ["DockerClient", "from_env"]
