"""The client side of a monitor's attach socket: what ``run`` (without ``-d``), ``attach`` and
``start -a`` use to stream a container's stdio to and from the terminal."""

from __future__ import annotations

import _socket
import os
import select

from pallet import jsonlite
from pallet.errors import RuntimeFailure
from pallet.runtime.monitor import protocol
from pallet.runtime.monitor.files import ATTACH, read_exit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["DETACH_KEYS", "AttachClient", "connect"]

#: ctrl-p ctrl-q, docker's default detach sequence.
DETACH_KEYS = b"\x10\x11"


def connect(container_dir: str) -> AttachClient:
    """Connect to the container's monitor; raises RuntimeFailure if none is listening.

    The socket is reached through ``/proc/self/fd/N/`` so that deep container directories do
    not run into the 108-byte limit on socket paths.
    """
    try:
        dfd = os.open(container_dir, os.O_PATH | os.O_DIRECTORY)
    except OSError as exc:
        raise RuntimeFailure(f"cannot attach to the container: {exc.strerror}") from exc
    # the C socket type: the ``socket`` module's enum conversions cost ``run`` ~2 ms
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(f"/proc/self/fd/{dfd}/{ATTACH}")
    except OSError as exc:
        sock.close()
        raise RuntimeFailure(f"cannot attach to the container: {exc.strerror}") from exc
    finally:
        os.close(dfd)
    return AttachClient(sock, container_dir)


class AttachClient:
    """A connection to one monitor. ``pump`` runs the session; ``wait`` only waits."""

    def __init__(self, sock: _socket.socket, container_dir: str) -> None:
        self.sock = sock
        self.container_dir = container_dir
        self.exit_code: int | None = None
        self.detached = False

    def __enter__(self) -> AttachClient:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the container is unaffected)."""
        self.sock.close()

    def resize(self, rows: int, cols: int) -> None:
        """Tell the monitor the terminal's size (applies to tty containers)."""
        self.sock.sendall(protocol.frame(protocol.RESIZE, f"{rows} {cols}".encode()))

    def _send_size(self, fd: int) -> None:
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            return
        self.resize(size.lines, size.columns)

    def pump(
        self,
        stdin: int | None = None,
        stdout: int = 1,
        stderr: int = 2,
        tty: bool = False,
        detach_keys: bytes = DETACH_KEYS,
    ) -> int | None:
        """Stream until the container exits (and the monitor has cleaned up) or the user
        detaches; return the exit code, or None when detached or the monitor vanished.

        ``stdin`` (an fd, ``-i``) is forwarded, its EOF closes the container's stdin. With
        ``tty`` and a terminal on ``stdin`` the terminal is put in raw mode, SIGWINCH
        resizes the container's pty, and ``detach_keys`` detach.
        """
        restore = None
        old_winch = None
        if tty and stdin is not None and os.isatty(stdin):
            import signal
            import termios
            import tty as ttymod

            restore = (stdin, termios.tcgetattr(stdin))
            ttymod.setraw(stdin)
            self._send_size(stdin)
            fd = stdin
            old_winch = signal.signal(signal.SIGWINCH, lambda *_: self._send_size(fd))
        elif tty and stdin is None and os.isatty(stdout):
            self._send_size(stdout)
        try:
            return self._loop(stdin, stdout, stderr, detach_keys if restore else b"", True)
        finally:
            if restore is not None:
                import signal
                import termios

                termios.tcsetattr(restore[0], termios.TCSADRAIN, restore[1])
                signal.signal(signal.SIGWINCH, old_winch)

    def _loop(
        self, stdin: int | None, stdout: int, stderr: int, keys: bytes, first_exit: bool
    ) -> int | None:
        poller = select.poll()
        sfd = self.sock.fileno()
        poller.register(sfd, select.POLLIN)
        if stdin is not None:
            poller.register(stdin, select.POLLIN)
        reader = protocol.FrameReader()
        matched = 0
        while True:
            for fd, _ in poller.poll():
                if fd == sfd:
                    data = self.sock.recv(65536)
                    if not data:
                        return self._final()
                    for kind, payload in reader.feed(data):
                        if kind in (protocol.STDOUT, protocol.STDERR):
                            _write_all(stdout if kind == protocol.STDOUT else stderr, payload)
                        elif kind == protocol.EXIT:
                            info = jsonlite.loads(payload)
                            self.exit_code = int(info["code"])
                            if first_exit and info.get("restarting"):
                                return self.exit_code
                    continue
                assert stdin is not None
                data = os.read(stdin, 65536)
                if not data:
                    poller.unregister(stdin)
                    self.sock.sendall(protocol.frame(protocol.STDIN_EOF))
                    stdin = None
                    continue
                for i, byte in enumerate(data):
                    if keys and byte == keys[matched]:
                        matched += 1
                        if matched == len(keys):
                            self.detached = True
                            return None
                    elif keys:
                        matched = 0
                    del i
                self.sock.sendall(protocol.frame(protocol.STDIN, data))

    def _final(self) -> int | None:
        if self.exit_code is None:
            status = read_exit(self.container_dir)
            self.exit_code = status.code if status is not None else None
        return self.exit_code

    def wait(self) -> int | None:
        """Wait until the monitor is done (restarts included); return the last exit code."""
        return self._loop(None, -1, -1, b"", False)


def _write_all(fd: int, data: bytes) -> None:
    if fd < 0:
        return
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[n:]
