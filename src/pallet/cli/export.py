"""``pallet export [-o FILE] NAME``: a container's (or an image's) flattened rootfs as a tar."""

from __future__ import annotations

import argparse
import os
import sys

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["export"]


def export(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet export",
        description="Export a container's filesystem (or an image's flattened layers) as a tar",
    )
    p.add_argument("-o", "--output", default="", help="write to a file instead of stdout")
    p.add_argument("name", help="a container, or an image")
    a = p.parse_args(argv)
    from pallet.engine.container_commit import export_rootfs

    engine = g.engine()
    if not a.output:
        if os.isatty(sys.stdout.fileno()):
            raise InvalidArgument(
                "cowardly refusing to save to a terminal. Use the -o flag or redirect"
            )
        export_rootfs(engine, a.name, sys.stdout.buffer)
        sys.stdout.flush()
        return 0
    tmp = f"{a.output}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            export_rootfs(engine, a.name, fh)
        os.replace(tmp, a.output)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return 0
