"""``pallet save [-o FILE] [--format ...] [--compress ...] IMAGE...``."""

from __future__ import annotations

import argparse
import os
import sys

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["save"]


def save(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet save", description="Save images to an archive")
    p.add_argument("images", nargs="+")
    p.add_argument("-o", "--output", help="write to a file instead of stdout")
    p.add_argument("--format", default="docker-archive", choices=["docker-archive", "oci-archive"])
    p.add_argument(
        "--compress", default="", choices=["", "zstd", "gzip"], help="compress the whole archive"
    )
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.save import save_images

    engine = g.engine()
    if a.output is None:
        if sys.stdout.isatty():
            raise InvalidArgument("refusing to save to terminal. Use -o flag or redirect")
        save_images(engine, a.images, sys.stdout.buffer, format=a.format, compress=a.compress)
        sys.stdout.buffer.flush()
        return 0
    tmp = f"{a.output}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as out:
            save_images(engine, a.images, out, format=a.format, compress=a.compress)
        os.replace(tmp, a.output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return 0
