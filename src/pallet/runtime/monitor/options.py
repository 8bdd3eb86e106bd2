"""What a monitor is told when it is spawned, and the restart policy it applies."""

from __future__ import annotations

from pallet.errors import InvalidArgument

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

    from pallet.runtime.driver import OCIRuntime


__all__ = ["MonitorOptions", "RestartPolicy", "parse_restart"]


class RestartPolicy:
    """``no``, ``on-failure`` (at most ``max_retries`` restarts, 0: no limit), ``always``,
    ``unless-stopped``.

    Plain classes here, as in everything the monitor imports: ``dataclasses`` brings ``re``
    and ``enum``, ~20 ms that every ``run`` would pay.
    """

    __slots__ = ("max_retries", "name")

    def __init__(self, name: str = "no", max_retries: int = 0) -> None:
        self.name = name
        self.max_retries = max_retries

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RestartPolicy) and (self.name, self.max_retries) == (
            other.name,
            other.max_retries,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.max_retries))

    def __repr__(self) -> str:
        return f"RestartPolicy(name={self.name!r}, max_retries={self.max_retries!r})"

    def should_restart(self, code: int, restarts: int, stop_requested: bool) -> bool:
        """Whether the monitor starts the process again after it exited with ``code``."""
        if stop_requested or self.name == "no":
            return False
        if self.name == "on-failure":
            return code != 0 and (self.max_retries == 0 or restarts < self.max_retries)
        return True


def parse_restart(text: str) -> RestartPolicy:
    """Parse ``--restart`` (``no``, ``on-failure[:N]``, ``always``, ``unless-stopped``)."""
    name, _, count = (text or "no").partition(":")
    if name not in ("no", "on-failure", "always", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy {text!r}")
    if count and name != "on-failure":
        raise InvalidArgument(f"invalid restart policy {text!r}: only on-failure takes a count")
    if count and (not count.isdigit()):
        raise InvalidArgument(f"invalid restart policy {text!r}: bad retry count")
    return RestartPolicy(name, int(count or 0))


class MonitorOptions:
    """How the monitor runs one container.

    ``container_dir`` is where the monitor keeps its files (see ``monitor.files``) and its
    working directory; ``bundle`` holds config.json. ``stdin`` keeps the container's stdin
    open for attach clients (``-i``); ``attach`` keeps output from the start for the first
    client (``run`` without ``-d``). ``cleanup`` runs in the monitor after the final exit
    (``--rm``: unmount the rootfs, delete the runtime state, drop the record); it runs in a
    fork of the caller, so any callable works. ``purge`` runs last, once attached clients
    have been let go (``--rm``: delete the container's files, which nobody waits for).
    ``preload`` runs while the runtime sets the container up (imports the hooks will need).
    ``defer_delete`` (``--rm``) removes the runtime's state after the clients were let go
    (for runc: its cgroups and state directory, read before), not before.
    """

    __slots__ = (
        "attach",
        "bundle",
        "cleanup",
        "container_dir",
        "container_id",
        "defer_delete",
        "delete_on_exit",
        "log_path",
        "preload",
        "purge",
        "restart",
        "runtime",
        "stdin",
        "terminal",
    )

    def __init__(
        self,
        container_id: str,
        container_dir: str,
        bundle: str,
        runtime: OCIRuntime,
        terminal: bool = False,
        stdin: bool = False,
        attach: bool = False,
        restart: RestartPolicy | None = None,
        cleanup: Callable[[], None] | None = None,
        purge: Callable[[], None] | None = None,
        preload: Callable[[], None] | None = None,
        log_path: str = "",
        delete_on_exit: bool = True,
        defer_delete: bool = False,
    ) -> None:
        self.container_id = container_id
        self.container_dir = container_dir
        self.bundle = bundle
        self.runtime = runtime
        self.terminal = terminal
        self.stdin = stdin
        self.attach = attach
        self.restart = restart or RestartPolicy()
        self.cleanup = cleanup
        self.purge = purge
        self.preload = preload
        self.log_path = log_path
        self.delete_on_exit = delete_on_exit
        self.defer_delete = defer_delete

    def __repr__(self) -> str:
        return f"MonitorOptions({self.container_id!r}, {self.container_dir!r})"
