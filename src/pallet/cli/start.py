"""``pallet start [-a] [-i] CONTAINER...``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions
from pallet.cli.lifecycle import _each

__all__ = ["start"]


def start(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet start", description="Start containers")
    p.add_argument("containers", nargs="+")
    p.add_argument("-a", "--attach", action="store_true")
    p.add_argument("-i", "--interactive", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.containers import attach_streams, resolve_container, start_existing

    engine = g.engine()
    if a.attach:
        name = a.containers[0]
        rec = start_existing(engine, name, attach=True)
        code = attach_streams(engine, rec, stdin=0 if a.interactive else None, tty=rec.options.tty)
        return 0 if code is None else code
    return _each(
        a.containers,
        lambda n: (start_existing(engine, n), resolve_container(engine, n).name)[1] and n,
    )
