"""``pallet rmi`` and ``pallet image prune``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["prune", "rmi"]


def rmi(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet rmi", description="Remove images")
    p.add_argument("images", nargs="*")
    p.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="remove images in use, with the containers using them",
    )
    p.add_argument("-a", "--all", action="store_true", help="remove all images")
    p.add_argument("-i", "--ignore", action="store_true", help="ignore images not found")
    a = p.parse_args(argv)
    if not a.images and not a.all:
        raise InvalidArgument("image name or ID must be specified")
    from pallet.engine.images import remove_images
    from pallet.errors import ImageNotFound

    engine = g.engine()
    names = a.images
    if a.ignore:
        from pallet.engine.images import get_image

        kept = []
        for n in names:
            try:
                get_image(engine, n)
                kept.append(n)
            except ImageNotFound:
                pass
        names = kept
    report = remove_images(engine, names, force=a.force, all_=a.all)
    for name in report.untagged:
        print(f"Untagged: {name}")
    for ident in report.deleted:
        print(f"Deleted: {ident}")
    return 0


def prune(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet image prune", description="Remove unused images")
    p.add_argument("-a", "--all", action="store_true", help="remove all unused images")
    p.add_argument("-f", "--force", action="store_true", help="do not prompt")
    a = p.parse_args(argv)
    from pallet.engine.images import prune_images

    for ident in prune_images(g.engine(), all_=a.all):
        print(ident)
    return 0
