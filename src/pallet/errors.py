"""pallet's exception tree.

Library code raises these; only ``pallet.cli`` prints them and exits, and ``pallet.api`` maps
them to Docker's JSON error bodies. Each class carries docker's exit code (125 for the engine's
own failures, 126 when a command cannot be invoked, 127 when it is not found) and the HTTP
status the Engine API answers with. Messages use Docker's wording where clients match on it.

    PalletError                      125 / 500
    ├── InvalidArgument              125 / 400   bad flag values, bad options
    │   └── InvalidReference         125 / 400   malformed image reference
    ├── NotFound                     125 / 404
    │   ├── ImageNotFound                        "No such image: x"
    │   ├── ContainerNotFound                    "No such container: x"
    │   ├── VolumeNotFound                       "No such volume: x"
    │   ├── NetworkNotFound                      "network x not found"
    │   └── BlobNotFound                         a digest missing from the store
    ├── Conflict                     125 / 409   names in use, images in use, wrong state
    ├── InvalidArchive               125 / 400   truncated, not an archive, bad layout
    │   └── UnsafeArchive                        a member escapes the target directory
    ├── DigestMismatch               125 / 400   bytes do not match the digest they claim
    ├── StoreError                   125 / 500   the local store is damaged or locked
    ├── RuntimeFailure               125 / 500   the OCI runtime or the monitor failed
    ├── CommandCannotInvoke          126 / 500   the container's command is not executable
    ├── CommandNotFound              127 / 500   the container's command does not exist
    ├── RegistryError                125 / 500   structured registry errors (code, status)
    │   └── Unauthorized             125 / 401
    ├── BuildError                   125 / 400   a Dockerfile or build step failed
    └── ContainerError               125 / 500   a container run by the Python API exited non-zero

docker-py's names are kept for scripts written against it (``import pallet as docker``):
``DockerException`` and ``APIError`` are ``PalletError``; ``NotFound``, ``ImageNotFound`` and
``BuildError`` are the classes above; ``ContainerError`` carries docker-py's attributes.
"""

from __future__ import annotations

__all__ = [
    "APIError",
    "BlobNotFound",
    "BuildError",
    "CommandCannotInvoke",
    "CommandNotFound",
    "Conflict",
    "ContainerError",
    "ContainerNotFound",
    "DigestMismatch",
    "DockerException",
    "ImageNotFound",
    "InvalidArchive",
    "InvalidArgument",
    "InvalidReference",
    "NetworkNotFound",
    "NotFound",
    "PalletError",
    "RegistryError",
    "RuntimeFailure",
    "StoreError",
    "Unauthorized",
    "UnsafeArchive",
    "VolumeNotFound",
]


class PalletError(Exception):
    """Root of every error pallet raises on purpose."""

    exit_code: int = 125
    http_status: int = 500

    @property
    def message(self) -> str:
        return str(self)


class InvalidArgument(PalletError):
    """A flag, option or parameter has a value pallet cannot use."""

    http_status = 400


class InvalidReference(InvalidArgument):
    """An image reference does not parse."""


class NotFound(PalletError):
    """Something named by the caller does not exist."""

    http_status = 404


class ImageNotFound(NotFound):
    """No image in the store answers to this name or id."""

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or f"No such image: {name}")
        self.name = name


class ContainerNotFound(NotFound):
    """No container answers to this name or id."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No such container: {name}")
        self.name = name


class VolumeNotFound(NotFound):
    """No volume has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No such volume: {name}")
        self.name = name


class NetworkNotFound(NotFound):
    """No network has this name or id."""

    def __init__(self, name: str) -> None:
        super().__init__(f"network {name} not found")
        self.name = name


class BlobNotFound(NotFound):
    """A digest the caller needs is not in the blob store."""


class Conflict(PalletError):
    """The request clashes with the current state (a name in use, an image in use)."""

    http_status = 409


class InvalidArchive(PalletError):
    """An archive is truncated, is not an archive, or has a layout pallet does not know."""

    http_status = 400


class UnsafeArchive(InvalidArchive):
    """An archive member would be written outside the directory being unpacked into."""


class DigestMismatch(PalletError):
    """Bytes do not hash to the digest they were stored or sent under."""

    http_status = 400

    def __init__(self, expected: str, actual: str, what: str = "blob") -> None:
        super().__init__(f"{what} digest mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class StoreError(PalletError):
    """The local store is damaged, or a lock could not be taken."""


class RuntimeFailure(PalletError):
    """The OCI runtime, the monitor, or a mount failed."""


class CommandCannotInvoke(PalletError):
    """The container's command exists but cannot be executed (docker's exit 126)."""

    exit_code = 126


class CommandNotFound(PalletError):
    """The container's command was not found (docker's exit 127)."""

    exit_code = 127


class RegistryError(PalletError):
    """A registry answered with an error, or could not be reached.

    ``code`` is the distribution-spec error code (``MANIFEST_UNKNOWN``, ``DENIED`` ...) where the
    registry gave one; ``temporary`` says whether retrying may help (408, 429, 5xx, resets).
    """

    def __init__(
        self, message: str, *, code: str = "", status: int = 0, temporary: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.temporary = temporary


class Unauthorized(RegistryError):
    """The registry refused our credentials, or we had none."""

    http_status = 401


class BuildError(PalletError):
    """A Dockerfile does not parse, or a build step failed."""

    http_status = 400

    def __init__(self, reason: str = "", build_log: object = None) -> None:
        super().__init__(reason)
        self.msg = reason
        self.build_log = build_log if build_log is not None else []


class ContainerError(PalletError):
    """A container started by ``containers.run()`` exited with a non-zero status (docker-py)."""

    def __init__(
        self,
        container: object,
        exit_status: int,
        command: object,
        image: str,
        stderr: bytes | str | None,
    ) -> None:
        self.container = container
        self.exit_status = exit_status
        self.command = command
        self.image = image
        self.stderr = stderr
        err = (
            f": {stderr.decode(errors='replace') if isinstance(stderr, bytes) else stderr}"
            if stderr
            else ""
        )
        super().__init__(
            f"Command '{command}' in image '{image}' returned non-zero exit "
            f"status {exit_status}{err}"
        )


#: docker-py's names for the roots of the tree.
DockerException = PalletError
APIError = PalletError
