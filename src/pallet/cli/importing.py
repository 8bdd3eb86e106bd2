"""``pallet import FILE|URL|- [REFERENCE]``."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions

__all__ = ["import_"]


def import_(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet import", description="Import a tarball to create a filesystem image"
    )
    p.add_argument("source", help="a file, a URL, or - for standard input")
    p.add_argument("reference", nargs="?")
    p.add_argument(
        "-c",
        "--change",
        action="append",
        default=[],
        help="apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, ...)",
    )
    p.add_argument("-m", "--message", default="", help="commit message for the history")
    p.add_argument("--platform", help="os/arch[/variant] to record")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.importing import import_tarball
    from pallet.engine.sources import open_source
    from pallet.oci.platform import Platform

    plat = Platform.parse(a.platform) if a.platform else None
    engine = g.engine()
    with open_source(a.source, sys.stdin.buffer) as src:
        rec = import_tarball(
            engine, src, reference=a.reference, changes=a.change, message=a.message, platform=plat
        )
    print(rec.hex)
    return 0
