"""``pallet system service [--time N] [URI]``: serve the Docker Engine API on a socket.

URI is ``unix:///PATH`` or ``tcp://HOST:PORT``. The default is ``unix://RUNROOT/docker.sock``:
``/run/pallet/docker.sock`` for the default store, ``ROOT/run/docker.sock`` with ``--root ROOT``
(the store's run root, so that two stores never share a socket). ``--time N`` stops the
service after N seconds without a request in flight; 0, the default, serves until
interrupted. Point Docker's clients at it with ``DOCKER_HOST=unix:///run/pallet/docker.sock``.
"""

from __future__ import annotations

import argparse
import signal
import sys

from pallet.cli.globals import GlobalOptions

__all__ = ["service"]


def service(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet system service",
        description="Serve the Docker Engine API (docker CLI, docker-py) on a socket",
    )
    p.add_argument("uri", nargs="?", help="unix:///PATH or tcp://HOST:PORT")
    p.add_argument(
        "-t",
        "--time",
        type=float,
        default=0.0,
        help="seconds of inactivity before exiting (0: never)",
    )
    a = p.parse_args(argv)
    from pallet.api import ServiceOptions, default_socket, serve

    uri = a.uri or default_socket(g.engine().root.run)
    if uri.startswith("/"):
        uri = "unix://" + uri
    options = ServiceOptions(root=g.root, runroot=g.runroot, runtime=g.runtime, idle_timeout=a.time)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"pallet: serving the Docker Engine API on {uri}", file=sys.stderr, flush=True)
    try:
        serve(uri, options)
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 125
    return 0
