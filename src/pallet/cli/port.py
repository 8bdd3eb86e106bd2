"""``pallet port CONTAINER [PRIVATE_PORT[/PROTO]]``: the container's published ports."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["port"]


def port(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet port", description="List port mappings or a specific mapping for a container"
    )
    p.add_argument("container")
    p.add_argument("port", nargs="?", default="")
    a = p.parse_args(argv)
    from pallet.engine.container_top import container_ports

    for mapping in container_ports(g.engine(), a.container, a.port):
        print(mapping.host_address if a.port else str(mapping))
    return 0
