"""``pallet container SUBCOMMAND``: the container verbs grouped as docker groups them."""

from __future__ import annotations

import sys

from pallet.cli.globals import GlobalOptions

__all__ = ["container"]

_SUB = {
    "ls": ("pallet.cli.ps", "ps"),
    "list": ("pallet.cli.ps", "ps"),
    "ps": ("pallet.cli.ps", "ps"),
    "run": ("pallet.cli.run", "run"),
    "create": ("pallet.cli.run", "create"),
    "start": ("pallet.cli.start", "start"),
    "stop": ("pallet.cli.lifecycle", "stop"),
    "kill": ("pallet.cli.lifecycle", "kill"),
    "wait": ("pallet.cli.lifecycle", "wait"),
    "restart": ("pallet.cli.lifecycle", "restart"),
    "pause": ("pallet.cli.lifecycle", "pause"),
    "unpause": ("pallet.cli.lifecycle", "unpause"),
    "rm": ("pallet.cli.rm", "rm"),
    "prune": ("pallet.cli.rm", "prune"),
    "logs": ("pallet.cli.logs", "logs"),
    "inspect": ("pallet.cli.inspect", "inspect_containers"),
    "attach": ("pallet.cli.attach", "attach"),
    "exec": ("pallet.cli.exec", "exec_"),
    "top": ("pallet.cli.top", "top"),
    "cp": ("pallet.cli.cp", "cp"),
    "export": ("pallet.cli.export", "export"),
    "commit": ("pallet.cli.commit", "commit"),
    "rename": ("pallet.cli.rename", "rename"),
    "port": ("pallet.cli.port", "port"),
    "stats": ("pallet.cli.stats", "stats"),
}


def container(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("Usage: pallet container {" + ",".join(sorted(_SUB)) + "} ...")
        return 0 if argv else 125
    sub = _SUB.get(argv[0])
    if sub is None:
        print(f"Error: unrecognized command `pallet container {argv[0]}`", file=sys.stderr)
        return 125
    module = __import__(sub[0], fromlist=[sub[1]])
    return int(getattr(module, sub[1])(g, argv[1:]))
