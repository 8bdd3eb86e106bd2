"""``containers.run()``: docker-py's semantics over the engine.

Detached, it creates, starts and returns the Container. Otherwise it starts the container the
way ``pallet run`` does (the monitor keeps the output for the first client), collects the
requested streams, and waits: a zero exit returns the output (bytes, or an iterator with
``stream=True``); a non-zero one raises ContainerError carrying the container's stderr (None
for ``auto_remove`` containers, whose logs are gone), after removing it when ``remove``.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from pallet.errors import ContainerError, ImageNotFound

if TYPE_CHECKING:
    from pallet.local.models.containers import Container, ContainerCollection
    from pallet.local.models.images import Image

__all__ = ["run"]


def run(
    collection: ContainerCollection,
    image: str | Image,
    command: Any,
    *,
    stdout: bool,
    stderr: bool,
    remove: bool,
    kwargs: dict[str, Any],
) -> Any:
    """See :meth:`ContainerCollection.run`."""
    from pallet.local.models.create_args import check_kwargs
    from pallet.local.models.images import Image

    if isinstance(image, Image):
        image = str(image.id)
    stream = kwargs.pop("stream", False)
    detach = kwargs.pop("detach", False)
    platform = kwargs.get("platform")
    if detach and remove:
        kwargs["auto_remove"] = True
    if kwargs.get("network") and kwargs.get("network_mode"):
        raise RuntimeError('The options "network" and "network_mode" can not be used together.')
    check_kwargs("run", kwargs)
    try:
        container = collection.create(image=image, command=command, **kwargs)
    except ImageNotFound:
        collection._client.images.pull(image, platform=platform)
        container = collection.create(image=image, command=command, **kwargs)
    if detach:
        container.start()
        container.reload()
        return container
    chunks, exit_status = _run_attached(
        container, stdout=stdout, stderr=stderr, tty=bool(kwargs.get("tty"))
    )
    out: Any = chunks
    if exit_status != 0:
        out = None
        if not kwargs.get("auto_remove"):
            out = container.logs(stdout=False, stderr=True)
    if remove:
        container.remove()
    if exit_status != 0:
        raise ContainerError(container, exit_status, command, image, out)
    if stream:
        return iter(chunks)
    return b"".join(chunks)


def _run_attached(
    container: Container, *, stdout: bool, stderr: bool, tty: bool
) -> tuple[list[bytes], int]:
    """Start with the monitor holding output for us, pump it to a file; (output, exit code)."""
    from pallet.engine.containers import attach_streams, start_existing, wait_container

    engine = container._client.engine
    with tempfile.TemporaryFile() as out:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            start_existing(engine, container.id, attach=True)
            code = attach_streams(
                engine,
                container.id,
                stdin=None,
                stdout=out.fileno() if stdout else null,
                stderr=out.fileno() if stderr else null,
                tty=tty,
            )
        finally:
            os.close(null)
        if code is None:
            code = wait_container(engine, container.id)
        out.seek(0)
        data = out.read()
    return ([data] if data else []), code
