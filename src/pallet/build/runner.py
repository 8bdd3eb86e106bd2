"""The seam between the executor and the engine: image states, step requests, StepRunner.

The executor (:mod:`pallet.build.executor`) decides *what* each step does; a
:class:`StepRunner` (``pallet.engine.build_steps``) does the parts that need the store, mounts
and the OCI runtime. Tests may supply their own runner.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from pallet.errors import BuildError
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor

__all__ = ["ImageState", "LayerRef", "RunMount", "RunRequest", "StepFailed", "StepRunner"]


@dataclass(frozen=True, slots=True)
class ImageState:
    """An image a step starts from: its id (``""`` for scratch), config and layer blobs."""

    id: str
    config: ImageConfig
    layers: tuple[Descriptor, ...] = ()


@dataclass(frozen=True, slots=True)
class LayerRef:
    """A layer a step produced, stored and unpacked: its blob descriptor and diffID."""

    descriptor: Descriptor
    diff_id: str


@dataclass(frozen=True, slots=True)
class RunMount:
    """A mount for one RUN step: ``bind`` (host path) or ``tmpfs``."""

    type: str
    target: str
    source: str = ""
    readonly: bool = False


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What one RUN step runs, and how."""

    argv: tuple[str, ...]
    env: tuple[str, ...] = ()
    cwd: str = "/"
    user: str = ""
    mounts: tuple[RunMount, ...] = ()
    network: str = "host"
    hostname: str = ""


class StepFailed(BuildError):
    """A RUN step's command exited non-zero (``code`` is its status); podman exits 1."""

    exit_code = 1

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class StepRunner(Protocol):
    """What the executor needs from the engine."""

    def base_image(self, ref: str, *, platform: str | None, pull: str) -> ImageState:
        """The image a ``FROM`` names (pulled if ``pull`` says so and it is missing)."""

    def load_image(self, image_id: str) -> ImageState:
        """An image of the store by id."""

    def image_ids(self) -> frozenset[str]:
        """Every image id in the store (for checking cache entries)."""

    def write_layer(self, parent: ImageState, fill: Callable[[str], None]) -> LayerRef:
        """Mount ``parent``, let ``fill`` change the tree at the path given, store the diff."""

    def run(self, parent: ImageState, request: RunRequest) -> LayerRef:
        """Run ``request`` on ``parent``'s filesystem; store the diff. Raises StepFailed."""

    def rootfs(self, state: ImageState) -> AbstractContextManager[str]:
        """A read-only view of ``state``'s filesystem for COPY --from and RUN --mount=from."""

    def commit(self, config: bytes, layers: tuple[Descriptor, ...], names: tuple[str, ...]) -> str:
        """Store an image (config bytes and its layers); return its id."""

    def tag(self, image_id: str, names: tuple[str, ...]) -> None:
        """Put ``names`` on an existing image."""
