"""``pallet tag`` and ``pallet untag``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["tag", "untag"]


def tag(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet tag", description="Add names to an image")
    p.add_argument("image")
    p.add_argument("targets", nargs="+")
    a = p.parse_args(argv)
    from pallet.engine.images import tag_image

    tag_image(g.engine(), a.image, a.targets)
    return 0


def untag(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet untag", description="Remove names from an image")
    p.add_argument("image")
    p.add_argument("targets", nargs="*")
    a = p.parse_args(argv)
    from pallet.engine.images import untag_image

    untag_image(g.engine(), a.image, a.targets)
    return 0
