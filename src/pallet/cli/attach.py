"""``pallet attach CONTAINER``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["attach"]


def attach(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet attach", description="Attach to a running container's stdio"
    )
    p.add_argument("container")
    p.add_argument("--no-stdin", action="store_true")
    p.add_argument("--sig-proxy", default="true")
    p.add_argument("--detach-keys", default="ctrl-p,ctrl-q")
    a = p.parse_args(argv)
    from pallet.engine.container_state import read_state
    from pallet.engine.containers import attach_streams, resolve_container
    from pallet.errors import Conflict

    engine = g.engine()
    rec = resolve_container(engine, a.container)
    if not read_state(engine, rec).running:
        raise Conflict("you cannot attach to a stopped container, start it first")
    stdin = None if a.no_stdin or not rec.options.interactive else 0
    code = attach_streams(engine, rec, stdin=stdin, tty=rec.options.tty)
    return 0 if code is None else code
