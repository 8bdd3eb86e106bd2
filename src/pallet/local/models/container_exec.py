"""``Container.exec_run`` and ``Container.wait``, over the engine's exec and wait."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from pallet.engine.context import Engine
from pallet.errors import InvalidArgument

if TYPE_CHECKING:
    from pallet.local.models.containers import Container

__all__ = ["ExecResult", "exec_run", "wait_for"]


class ExecResult(NamedTuple):
    """A result of Container.exec_run with the properties ``exit_code`` and ``output``."""

    exit_code: int | None
    output: Any


def _env(environment: Mapping[str, Any] | list[str] | None) -> tuple[str, ...]:
    if environment is None:
        return ()
    if isinstance(environment, Mapping):
        return tuple(k if v is None else f"{k}={v}" for k, v in environment.items())
    return tuple(environment)


def exec_run(
    container: Container,
    cmd: str | list[str],
    *,
    stdout: bool,
    stderr: bool,
    stdin: bool,
    tty: bool,
    privileged: bool,
    user: str,
    detach: bool,
    stream: bool,
    socket: bool,
    environment: Mapping[str, Any] | list[str] | None,
    workdir: str | None,
    demux: bool,
) -> ExecResult:
    """docker-py's exec_run: ``(exit_code, bytes)``, ``(None, generator)`` with ``stream``,
    ``(exit_code, (stdout, stderr))`` with ``demux``."""
    from pallet.engine.container_exec import ExecOptions, exec_container, running_container
    from pallet.local.models.container_io import exec_stream
    from pallet.local.models.create_args import split_command

    if socket:
        raise InvalidArgument("exec_run(socket=True) is not supported by the in-process client")
    engine = container._client.engine
    running_container(engine, container.id)  # fail now, as exec_create would
    opts = ExecOptions(
        command=split_command(cmd) or (),
        env=_env(environment),
        user=str(user or ""),
        workdir=workdir or "",
        tty=tty,
        interactive=False,
        detach=detach,
        privileged=privileged,
    )
    if detach:
        exec_container(engine, container.id, opts, stdin=None)
        return ExecResult(None, "")
    use_demux = demux and not tty

    def run(out_fd: int, err_fd: int) -> int:
        import os

        null = os.open(os.devnull, os.O_WRONLY)
        try:
            return exec_container(
                engine,
                container.id,
                opts,
                stdin=None,
                stdout=out_fd if stdout else null,
                stderr=err_fd if stderr else null,
            )
        finally:
            os.close(null)

    gen, result = exec_stream(run, demux=use_demux)
    if stream:
        return ExecResult(None, gen)
    if use_demux:
        outs: list[bytes] = []
        errs: list[bytes] = []
        for out, err in gen:
            (outs if out is not None else errs).append(out if out is not None else err)
        pair = (b"".join(outs) if stdout else None, b"".join(errs) if stderr else None)
        return ExecResult(result[0] if result else None, pair)
    data = b"".join(gen)
    if demux:  # with a tty everything came on stdout
        return ExecResult(result[0] if result else None, (data, None))
    return ExecResult(result[0] if result else None, data)


def wait_for(
    engine: Engine, name: str, *, timeout: float | None, condition: str | None
) -> dict[str, Any]:
    """docker's ``wait``: ``not-running`` (default), ``next-exit`` or ``removed``."""
    from pallet.engine.container_records import resolve_container
    from pallet.engine.containers import wait_container
    from pallet.errors import ContainerNotFound

    if condition not in (None, "not-running", "next-exit", "removed"):
        raise InvalidArgument(f"invalid condition {condition!r}")
    rec = resolve_container(engine, name)
    code = wait_container(engine, rec.id, timeout=timeout)
    from pallet.engine.container_state import read_state

    if read_state(engine, rec).running:
        raise TimeoutError(f"container {rec.name} still running after {timeout} s")
    if condition == "removed":
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                resolve_container(engine, rec.id)
            except ContainerNotFound:
                break
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"container {rec.name} not removed after {timeout} s")
            time.sleep(0.05)
    return {"Error": None, "StatusCode": code}
