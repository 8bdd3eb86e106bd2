"""``pallet rm`` and ``pallet container prune``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions
from pallet.cli.lifecycle import _each

__all__ = ["prune", "rm"]


def rm(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet rm", description="Remove containers")
    p.add_argument("containers", nargs="*")
    p.add_argument("-f", "--force", action="store_true", help="remove running containers too")
    p.add_argument("-v", "--volumes", action="store_true", help="remove anonymous volumes")
    p.add_argument("-a", "--all", action="store_true")
    p.add_argument("-i", "--ignore", action="store_true", help="ignore missing containers")
    a = p.parse_args(argv)
    from pallet.engine.containers import list_containers, remove_container
    from pallet.errors import ContainerNotFound, InvalidArgument

    engine = g.engine()
    names = list(a.containers)
    if a.all:
        names = [v.record.id for v in list_containers(engine, all_=True)]
    elif not names:
        raise InvalidArgument("you must provide at least one container name or id")

    def one(name: str) -> str:
        try:
            remove_container(engine, name, force=a.force, volumes=a.volumes)
        except ContainerNotFound:
            if a.ignore:
                return name
            raise
        return name

    return _each(names, one)


def prune(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet container prune", description="Remove all stopped containers"
    )
    p.add_argument("-f", "--force", action="store_true")
    p.parse_args(argv)
    from pallet.engine.containers import prune_containers

    for cid in prune_containers(g.engine()):
        print(cid)
    return 0
