"""``pallet rename CONTAINER NEW_NAME``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["rename"]


def rename(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet rename", description="Rename a container")
    p.add_argument("container")
    p.add_argument("new_name")
    a = p.parse_args(argv)
    from pallet.engine.containers import rename_container

    rename_container(g.engine(), a.container, a.new_name)
    return 0
