"""The service: listening sockets, a thread per connection, and the state the routes share.

Everything durable lives in the store, exactly as for the CLI, so a container made by
``pallet run`` is seen here and one made through the socket is seen by ``pallet ps``. What the
service keeps in memory is only what Docker's API needs between requests of one client: exec
sessions, attach sessions waiting for ``start``, exit codes read from monitors, and events.
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pallet.api.events import EventBus
from pallet.api.http import Connection, HTTPError, Response, read_request
from pallet.api.router import API_VERSION, Router
from pallet.api.streams import Exits

if TYPE_CHECKING:
    from pallet.engine.context import Engine

__all__ = ["Service", "ServiceOptions", "default_socket", "listen", "serve"]


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Which store to serve, where, and for how long without requests (0: forever)."""

    root: str = ""
    runroot: str = ""
    runtime: str = ""
    idle_timeout: float = 0.0


def default_socket(runroot: str | os.PathLike[str]) -> str:
    """``unix://RUNROOT/docker.sock``: /run/pallet/docker.sock for the default store, and
    ROOT/run/docker.sock for ``--root ROOT`` (its run root)."""
    return f"unix://{os.path.join(os.fspath(runroot), 'docker.sock')}"


@dataclass(slots=True)
class Service:
    """What request handlers share. ``engine()`` opens the store for one request."""

    options: ServiceOptions
    router: Router = field(default_factory=Router)
    events: EventBus = field(default_factory=EventBus)
    lock: threading.Lock = field(default_factory=threading.Lock)
    execs: dict[str, Any] = field(default_factory=dict)
    exits: Exits = field(default_factory=Exits)
    waiting_attach: dict[str, int] = field(default_factory=dict)
    attached: dict[str, threading.Event] = field(default_factory=dict)
    active: int = 0
    last_activity: float = field(default_factory=time.monotonic)

    def engine(self) -> Engine:
        from pallet.engine.context import Engine

        o = self.options
        return Engine.open(
            root=o.root or None, runroot=o.runroot or None, runtime=o.runtime or None
        )

    def log(self, text: str) -> None:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        sys.stderr.flush()

    def emit(self, type_: str, action: str, actor_id: str, **attrs: str) -> None:
        """Publish an event to ``/events`` subscribers."""
        self.events.publish(type_, action, actor_id, attrs)

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Counts a request in flight (the idle timer runs only when none is)."""
        with self.lock:
            self.active += 1
        try:
            yield
        finally:
            with self.lock:
                self.active -= 1
                self.last_activity = time.monotonic()

    def attach_waiting(self, cid: str, delta: int) -> None:
        """An attach session waiting for ``start`` (+1), or no longer waiting (-1)."""
        with self.lock:
            self.waiting_attach[cid] = self.waiting_attach.get(cid, 0) + delta
            if self.waiting_attach[cid] <= 0:
                del self.waiting_attach[cid]
            if delta > 0:
                self.attached.setdefault(cid, threading.Event())

    def attach_connected(self, cid: str) -> None:
        with self.lock:
            self.attached.setdefault(cid, threading.Event()).set()


def _base_headers() -> dict[str, str]:
    from pallet import __version__

    return {
        "Api-Version": API_VERSION,
        "Docker-Experimental": "false",
        "Ostype": "linux",
        "Server": f"Docker/{__version__} (linux) pallet",
    }


class _Handler(socketserver.BaseRequestHandler):
    service: Service

    def handle(self) -> None:
        conn = Connection(self.request)
        headers = _base_headers()
        while True:
            try:
                req = read_request(conn)
            except HTTPError as exc:
                Response(conn, headers).json({"message": exc.message}, exc.status)
                return
            except OSError:
                return
            if req is None:
                return
            resp = Response(conn, headers)
            with self.service.busy():
                self.service.router.dispatch(req, resp, self.service)
            if not resp.keep_alive or req.headers.get("connection", "").lower() == "close":
                return
            try:
                req.body.drain()
            except (OSError, HTTPError):
                return


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


def listen(uri: str, service: Service) -> socketserver.BaseServer:
    """Bind ``unix:///path`` (mode 0660, group ``pallet`` when it exists) or
    ``tcp://HOST:PORT``."""
    handler = type("Handler", (_Handler,), {"service": service})
    if uri.startswith("unix://"):
        path = uri[len("unix://") :]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if _socket_in_use(path):
                raise OSError(f"{path}: another service is listening there")
            os.unlink(path)
        old = os.umask(0o117)
        try:
            server: socketserver.BaseServer = _UnixServer(path, handler)
        finally:
            os.umask(old)
        os.chmod(path, 0o660)
        _chown_group(path)
        return server
    if uri.startswith("tcp://"):
        host, _, port = uri[len("tcp://") :].rstrip("/").rpartition(":")
        return _TCPServer((host or "127.0.0.1", int(port)), handler)
    raise ValueError(f"unsupported listen URI {uri!r}: want unix:///PATH or tcp://HOST:PORT")


def _socket_in_use(path: str) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        return False
    finally:
        s.close()
    return True


def _chown_group(path: str) -> None:
    try:
        import grp

        gid = grp.getgrnam("pallet").gr_gid
    except (KeyError, ImportError):
        return
    with contextlib.suppress(OSError):
        os.chown(path, 0 if os.geteuid() == 0 else -1, gid)


def _preload() -> None:
    """Import what forked children (the monitor, mount helpers) run, before threads exist:
    a fork while another thread holds an import lock would deadlock the child."""
    import pallet.engine.container_start
    import pallet.engine.containers
    import pallet.runtime.monitor
    import pallet.runtime.monitor.loop
    import pallet.runtime.rootfs  # noqa: F401


def serve(uri: str, options: ServiceOptions, *, ready: threading.Event | None = None) -> None:
    """Serve until interrupted, or until ``idle_timeout`` seconds pass without a request."""
    import warnings

    warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
    _preload()
    service = Service(options)
    server = listen(uri, service)
    if options.idle_timeout > 0:
        threading.Thread(
            target=_idle_watch, args=(server, service, options.idle_timeout), daemon=True
        ).start()
    if ready is not None:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if uri.startswith("unix://"):
            with contextlib.suppress(OSError):
                os.unlink(uri[len("unix://") :])


def _idle_watch(server: socketserver.BaseServer, service: Service, timeout: float) -> None:
    while True:
        time.sleep(min(timeout, 0.5))
        with service.lock:
            idle = service.active == 0 and time.monotonic() - service.last_activity >= timeout
        if idle:
            server.shutdown()
            return
