"""``pallet image SUBCOMMAND``: the image verbs grouped as podman groups them."""

from __future__ import annotations

import sys

from pallet.cli.globals import GlobalOptions

__all__ = ["image"]

_SUB = {
    "ls": ("pallet.cli.images", "images"),
    "list": ("pallet.cli.images", "images"),
    "inspect": ("pallet.cli.inspect", "inspect_images"),
    "tag": ("pallet.cli.tag", "tag"),
    "untag": ("pallet.cli.tag", "untag"),
    "rm": ("pallet.cli.rmi", "rmi"),
    "prune": ("pallet.cli.rmi", "prune"),
    "history": ("pallet.cli.history", "history"),
    "import": ("pallet.cli.importing", "import_"),
    "load": ("pallet.cli.load", "load"),
    "save": ("pallet.cli.save", "save"),
    "exists": ("pallet.cli.inspect", "exists"),
    "pull": ("pallet.cli.pull", "pull"),
    "push": ("pallet.cli.push", "push"),
    "build": ("pallet.cli.build", "build"),
}


def image(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("Usage: pallet image {" + ",".join(sorted(_SUB)) + "} ...")
        return 0 if argv else 125
    sub = _SUB.get(argv[0])
    if sub is None:
        print(f"Error: unrecognized command `pallet image {argv[0]}`", file=sys.stderr)
        return 125
    module = __import__(sub[0], fromlist=[sub[1]])
    fn = getattr(module, sub[1])
    if sub[1] == "images":
        return int(fn(g, argv[1:], prog="pallet image ls"))
    return int(fn(g, argv[1:]))
