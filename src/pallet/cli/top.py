"""``pallet top CONTAINER [ps OPTIONS]``: the container's processes, as docker shows them."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["top"]


def top(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet top", description="Display the running processes of a container"
    )
    p.add_argument("container")
    p.add_argument("ps_options", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    from pallet.cli.output import print_rows
    from pallet.engine.container_top import top as container_top

    titles, rows = container_top(g.engine(), a.container, list(a.ps_options))
    keys = [f"c{i}" for i in range(len(titles))]
    fmt = "table " + "\t".join("{{." + k + "}}" for k in keys)
    print_rows(
        [dict(zip(keys, row, strict=False)) for row in rows],
        default=fmt,
        headers=dict(zip(keys, titles, strict=True)),
    )
    return 0
