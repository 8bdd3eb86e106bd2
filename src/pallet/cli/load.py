"""``pallet load [-i FILE]``: images from a docker-archive or oci-archive (or stdin)."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["load"]


def load(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet load", description="Load images from a docker-archive or oci-archive"
    )
    p.add_argument("-i", "--input", default="-", help="read from a file instead of stdin")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.load import load_archive
    from pallet.engine.sources import open_source

    if a.input == "-" and sys.stdin.isatty():
        raise InvalidArgument(
            "cannot read from terminal: use command-line redirection or the --input flag"
        )
    with open_source(a.input, sys.stdin.buffer) as src:
        loaded = load_archive(g.engine(), src)
    for item in loaded:
        if item.names:
            for n in item.names:
                print(f"Loaded image: {n}")
        else:
            print(f"Loaded image: sha256:{item.record.hex}")
    return 0
