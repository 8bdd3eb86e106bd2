"""``pallet cp``: copy files between a container and the host, as ``docker cp``."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["cp", "split_cp_arg"]


def split_cp_arg(arg: str) -> tuple[str, str]:
    """``CONTAINER:PATH`` → (container, path); a host path → ("", path), as docker splits:
    an absolute path, or one whose part before ``:`` starts with ``.``, is the host's."""
    if arg.startswith("/"):
        return "", arg
    container, sep, path = arg.partition(":")
    if not sep or container.startswith("."):
        return "", arg
    return container, path


def cp(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet cp",
        description="Copy files/folders between a container and the local filesystem",
        usage="pallet cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
        "       pallet cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    )
    p.add_argument("-a", "--archive", action="store_true", help="keep uid/gid information")
    p.add_argument("-L", "--follow-link", action="store_true", help="follow SRC's symlink")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument("src")
    p.add_argument("dest")
    a = p.parse_args(argv)
    from pallet.engine.container_cp import copy_from_container, copy_to_container

    src_ctr, src = split_cp_arg(a.src)
    dest_ctr, dest = split_cp_arg(a.dest)
    if src_ctr and dest_ctr:
        raise InvalidArgument("copying between containers is not supported")
    if not src_ctr and not dest_ctr:
        raise InvalidArgument("must specify at least one container source")
    if not src or not dest:
        raise InvalidArgument("filepath cannot be empty")
    engine = g.engine()
    if src_ctr:
        out = sys.stdout.buffer if dest == "-" else dest
        copy_from_container(engine, src_ctr, src, out, follow_link=a.follow_link, archive=a.archive)
        sys.stdout.flush()
    else:
        source = sys.stdin.buffer if src == "-" else src
        copy_to_container(
            engine, dest_ctr, source, dest, follow_link=a.follow_link, archive=a.archive
        )
    return 0
