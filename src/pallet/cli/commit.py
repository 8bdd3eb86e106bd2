"""``pallet commit CONTAINER [IMAGE]``: a new image from a container's changes."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions

__all__ = ["commit"]


def commit(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet commit", description="Create a new image from a container's changes"
    )
    p.add_argument("-a", "--author", default="", help='author (e.g. "Jane <jane@example.com>")')
    p.add_argument("-c", "--change", action="append", default=[], help="Dockerfile instruction")
    p.add_argument("-m", "--message", default="", help="commit message")
    p.add_argument("-p", dest="pause", action="store_const", const="true",
                   help="pause the container while committing (the default)")  # fmt: skip
    p.add_argument("--pause", dest="pause", default="true", help="--pause=false to not pause")
    p.add_argument("-f", "--format", default="oci", choices=("oci", "docker"))
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("container")
    p.add_argument("image", nargs="?", default="")
    a = p.parse_args(argv)
    from pallet.engine.container_commit import CommitOptions, commit_container

    opts = CommitOptions(
        reference=a.image,
        changes=tuple(a.change),
        message=a.message,
        author=a.author,
        pause=str(a.pause).lower() not in ("false", "0", "no"),
        format=a.format,
    )
    rec = commit_container(g.engine(), a.container, opts)
    print(rec.id)
    return 0
