"""``pallet push [--compression-format gzip|zstd] [--digestfile F] IMAGE [DESTINATION]``.

A destination with a transport prefix other than ``docker://`` (``oci:``, ``dir:`` …) is a
copy from the store, as with podman.
"""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions
from pallet.cli.login import add_registry_flags, registry_options

__all__ = ["push"]

_OTHER_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:", "dir:", "containers-storage:")


def push(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet push", description="Push an image to a registry")
    p.add_argument("image")
    p.add_argument("destination", nargs="?")
    p.add_argument(
        "--compression-format",
        choices=["gzip", "zstd"],
        default=None,
        help="compression for layers stored uncompressed (default gzip)",
    )
    p.add_argument("--digestfile", help="write the pushed manifest's digest to this file")
    p.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.cli.progress import make_progress

    engine = g.engine()
    opts = registry_options(a)
    progress = make_progress(a.quiet)
    progress.line("Getting image source signatures")
    if a.destination and a.destination.startswith(_OTHER_TRANSPORTS):
        from pallet.engine.copy import copy_image

        digest = copy_image(
            engine,
            f"containers-storage:{a.image}",
            a.destination,
            options=opts,
            progress=progress,
            compression=a.compression_format,
        )
        progress.close()
    else:
        from pallet.engine.push import push_image

        digest = push_image(
            engine,
            a.image,
            a.destination,
            compression=a.compression_format,
            options=opts,
            progress=progress,
        )
        progress.close()
    progress.line("Writing manifest to image destination")
    if a.digestfile:
        with open(a.digestfile, "w") as fh:
            fh.write(digest)
    return 0
