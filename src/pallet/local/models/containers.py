"""Containers, shaped like ``docker.models.containers``: ``Container`` and the collection.

Every method calls the engine in this process; ``attrs`` is Docker's inspect shape. Methods
that take ``**kwargs`` in docker-py take the same names here as keyword-only arguments, so a
misspelt one fails with Python's own TypeError instead of being dropped.
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from pallet.errors import ContainerNotFound, InvalidArgument, NotFound
from pallet.local.models.container_exec import ExecResult
from pallet.local.models.container_io import DEFAULT_DATA_CHUNK_SIZE, chunks, log_time, spooled
from pallet.local.models.images import Image
from pallet.local.models.resource import Collection, Model

__all__ = ["Container", "ContainerCollection", "ExecResult"]


class Container(Model):
    """A container. ``attrs`` is cached: call :meth:`reload` for the current state."""

    @property
    def name(self) -> str | None:
        """The name of the container."""
        if self.attrs.get("Name") is not None:
            return str(self.attrs["Name"]).lstrip("/")
        return None

    @property
    def image(self) -> Image | None:
        """The image of the container."""
        image_id = self.attrs.get("ImageID", self.attrs["Image"])
        if image_id is None:
            return None
        return self._client.images.get(str(image_id).split(":")[1])

    @property
    def labels(self) -> dict[str, str]:
        """The labels of a container as dictionary."""
        try:
            return self.attrs["Config"].get("Labels") or {}
        except KeyError:
            from pallet.errors import DockerException

            raise DockerException(
                "Label data is not available for sparse objects. Call reload()"
                " to retrieve all information"
            ) from None

    @property
    def status(self) -> str:
        """The status of the container. For example, ``running``, or ``exited``."""
        if isinstance(self.attrs["State"], dict):
            return str(self.attrs["State"]["Status"])
        return str(self.attrs["State"])

    @property
    def health(self) -> str:
        """The healthcheck status (pallet runs no health checks: ``unknown``)."""
        return str((self.attrs.get("State", {}).get("Health") or {}).get("Status", "unknown"))

    @property
    def ports(self) -> dict[str, Any]:
        """The ports that the container exposes as a dictionary."""
        return dict(self.attrs.get("NetworkSettings", {}).get("Ports") or {})

    def attach(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        stream: bool = False,
        logs: bool = False,
    ) -> Any:
        """The container's output: what it writes from now on (with ``logs``, from the
        start); ``stream`` yields it as it comes until the container stops."""
        import time

        since = None if logs else repr(time.time())
        return self._logs(stdout, stderr, stream, False, None, since, stream, None)

    def commit(
        self,
        repository: str | None = None,
        tag: str | None = None,
        *,
        message: str | None = None,
        author: str | None = None,
        pause: bool = True,
        changes: str | builtins.list[str] | None = None,
        conf: dict[str, Any] | None = None,
    ) -> Image:
        """Commit the container to a new image, as ``docker commit`` does."""
        from pallet.engine.container_commit import CommitOptions, commit_container

        if conf:
            raise InvalidArgument("commit(conf=...) is not supported: use changes=")
        ref = f"{repository}:{tag}" if repository and tag else repository or ""
        lines = [changes] if isinstance(changes, str) else list(changes or ())
        opts = CommitOptions(ref, tuple(lines), message or "", author or "", pause)
        record = commit_container(self._client.engine, self.id, opts)
        return self._client.images.get(record.id)

    def exec_run(
        self,
        cmd: str | builtins.list[str],
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str = "",
        detach: bool = False,
        stream: bool = False,
        socket: bool = False,
        environment: dict[str, str] | builtins.list[str] | None = None,
        workdir: str | None = None,
        demux: bool = False,
    ) -> ExecResult:
        """Run a command inside this container; ``ExecResult(exit_code, output)``."""
        from pallet.local.models.container_exec import exec_run

        return exec_run(
            self,
            cmd,
            stdout=stdout,
            stderr=stderr,
            stdin=stdin,
            tty=tty,
            privileged=privileged,
            user=user,
            detach=detach,
            stream=stream,
            socket=socket,
            environment=environment,
            workdir=workdir,
            demux=demux,
        )

    def export(self, chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE) -> Iterator[bytes]:
        """The container's filesystem as a tar archive, in chunks."""
        from pallet.engine.container_commit import export_container

        fh = spooled(lambda out: export_container(self._client.engine, self.id, out))
        return chunks(fh, chunk_size)

    def get_archive(
        self,
        path: str,
        chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE,
        encode_stream: bool = False,
    ) -> tuple[Iterator[bytes], dict[str, Any]]:
        """``(tar chunks, stat)`` for a file or directory in the container."""
        from pallet.engine.container_cp import copy_from_container
        from pallet.local.models.container_io import archive_stat

        engine = self._client.engine
        info = archive_stat(engine, self.id, path)
        fh = spooled(lambda out: copy_from_container(engine, self.id, path, out))
        return chunks(fh, chunk_size), info

    def kill(self, signal: str | int | None = None) -> None:
        """Kill or send a signal to the container (default ``SIGKILL``)."""
        from pallet.engine.containers import kill_container

        kill_container(self._client.engine, self.id, str(signal) if signal is not None else "KILL")

    def logs(
        self,
        *,
        stdout: bool = True,
        stderr: bool = True,
        stream: bool = False,
        timestamps: bool = False,
        tail: str | int = "all",
        since: Any = None,
        follow: bool | None = None,
        until: Any = None,
    ) -> Any:
        """The container's logs: bytes, or a generator of bytes with ``stream``."""
        if follow is None:
            follow = stream
        if tail != "all" and (not isinstance(tail, int) or tail < 0):
            tail = "all"
        return self._logs(
            stdout,
            stderr,
            stream,
            timestamps,
            None if tail == "all" else int(tail),
            log_time(since, "since"),
            follow,
            log_time(until, "until"),
        )

    def _logs(
        self,
        stdout: bool,
        stderr: bool,
        stream: bool,
        timestamps: bool,
        tail: int | None,
        since: str | None,
        follow: bool,
        until: str | None,
    ) -> Any:
        from pallet.engine.containers import logs

        lines = logs(
            self._client.engine,
            self.id,
            since=since,
            until=until,
            tail=tail,
            follow=follow,
            timestamps=timestamps,
        )
        wanted = {"stdout"} if stdout else set()
        if stderr:
            wanted.add("stderr")
        picked = (data for name, data in lines if name in wanted)
        return picked if stream else b"".join(picked)

    def pause(self) -> None:
        """Pause all processes within this container."""
        from pallet.engine.containers import pause_container

        pause_container(self._client.engine, self.id)

    def put_archive(self, path: str, data: bytes | BinaryIO) -> bool:
        """Unpack the tar ``data`` into the directory ``path`` (which must exist)."""
        from pallet.engine.container_cp import copy_to_container

        src = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        copy_to_container(self._client.engine, self.id, src, path)
        return True

    def remove(self, *, v: bool = False, link: bool = False, force: bool = False) -> None:
        """Remove this container (``force`` kills a running one first)."""
        from pallet.engine.containers import remove_container

        if link:
            raise InvalidArgument("links are not supported")
        remove_container(self._client.engine, self.id, force=force, volumes=v)

    def rename(self, name: str) -> None:
        """Rename this container."""
        from pallet.engine.containers import rename_container

        rename_container(self._client.engine, self.id, name)

    def restart(self, *, timeout: int | None = None) -> None:
        """Stop (waiting ``timeout`` seconds, default 10) and start again."""
        from pallet.engine.containers import restart_container

        restart_container(self._client.engine, self.id, timeout=timeout)

    def start(self) -> None:
        """Start this container (a running one is left alone)."""
        from pallet.engine.containers import start_existing

        start_existing(self._client.engine, self.id)

    def stats(self, *, decode: bool | None = None, stream: bool = True) -> Any:
        """One stats sample in Docker's shape (``stream=True`` yields samples until stopped)."""
        from pallet.local.models.usage import container_stats

        return container_stats(self, decode=decode, stream=stream)

    def stop(self, *, timeout: int | None = None) -> None:
        """Stop the container: its stop signal, then SIGKILL after ``timeout`` (10) s."""
        from pallet.engine.containers import stop_container

        stop_container(self._client.engine, self.id, timeout=timeout)

    def top(self, *, ps_args: str | None = None) -> dict[str, Any]:
        """The running processes: ``{"Titles": [...], "Processes": [[...], ...]}``."""
        from pallet.engine.container_top import top

        titles, rows = top(self._client.engine, self.id, ps_args.split() if ps_args else None)
        return {"Titles": list(titles), "Processes": [list(r) for r in rows]}

    def unpause(self) -> None:
        """Unpause all processes within the container."""
        from pallet.engine.containers import unpause_container

        unpause_container(self._client.engine, self.id)

    def wait(self, *, timeout: float | None = None, condition: str | None = None) -> dict[str, Any]:
        """Block until the container stops: ``{"StatusCode": code, "Error": None}``.

        Past ``timeout`` seconds raises TimeoutError (docker-py raises requests' ReadTimeout,
        also an OSError).
        """
        from pallet.local.models.container_exec import wait_for

        return wait_for(self._client.engine, self.id, timeout=timeout, condition=condition)


class ContainerCollection(Collection[Container]):
    """The store's containers: ``run``, ``create``, ``get``, ``list``, ``prune``."""

    model = Container

    def run(
        self,
        image: str | Image,
        command: str | builtins.list[str] | None = None,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Run a container; without ``detach`` wait for it and return its output (bytes).

        A non-zero exit raises ContainerError (with the container's stderr); ``remove``
        removes the container afterwards. With ``detach=True`` returns the Container.
        """
        from pallet.local.models.container_run import run

        return run(self, image, command, stdout=stdout, stderr=stderr, remove=remove, kwargs=kwargs)

    def create(
        self, image: str | Image, command: str | builtins.list[str] | None = None, **kwargs: Any
    ) -> Container:
        """Create a container without starting it (ImageNotFound if the image is missing)."""
        from pallet.engine.containers import create_container
        from pallet.local.models.create_args import check_kwargs, create_options

        if isinstance(image, Image):
            image = str(image.id)
        kwargs.pop("detach", None)
        check_kwargs("create", kwargs)
        opts = create_options(image, command, kwargs, pull="never")
        record = create_container(self._client.engine, opts)
        return self.get(record.id)

    def get(self, container_id: str) -> Container:
        """A container by name or id (NotFound if there is none)."""
        from pallet.local.models.shapes import container_attrs

        return self.prepare_model(container_attrs(self._client.engine, container_id))

    def list(
        self,
        all: bool = False,
        before: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int = -1,
        since: str | None = None,
        sparse: bool = False,
        ignore_removed: bool = False,
    ) -> builtins.list[Container]:
        """Containers, newest first: running ones, or every one with ``all``."""
        from pallet.engine.containers import list_containers
        from pallet.local.models.filters import container_matches

        engine = self._client.engine
        views = list_containers(engine, all_=all or limit > 0 or bool(before or since))
        ids = [v.record.id for v in views]
        if before:
            cut = self.get(before).id
            ids = ids[ids.index(cut) + 1 :] if cut in ids else []
        if since:
            cut = self.get(since).id
            ids = ids[: ids.index(cut)] if cut in ids else ids
        out = []
        for cid in ids:
            try:
                container = self.get(cid)
            except (NotFound, ContainerNotFound):
                if not ignore_removed:
                    raise
                continue
            if container_matches(container.attrs, filters or {}):
                out.append(container)
        return out[:limit] if limit > 0 else out

    def prune(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Remove every stopped container: ``{"ContainersDeleted": [...], "SpaceReclaimed"}``."""
        from pallet.engine.containers import prune_containers

        if filters:
            raise InvalidArgument("prune filters are not supported yet")
        deleted = prune_containers(self._client.engine)
        return {"ContainersDeleted": deleted or None, "SpaceReclaimed": 0}
