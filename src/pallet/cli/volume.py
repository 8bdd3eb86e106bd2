"""``pallet volume create|ls|inspect|rm|prune``."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.output import print_json, print_rows

__all__ = ["volume"]


def volume(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("Usage: pallet volume {create,ls,inspect,rm,prune} ...")
        return 0 if argv else 125
    from pallet.engine import volumes as v

    sub, rest = argv[0], argv[1:]
    engine = g.engine()
    if sub == "create":
        p = argparse.ArgumentParser(prog="pallet volume create")
        p.add_argument("name", nargs="?", default="")
        p.add_argument("-l", "--label", action="append", default=[])
        p.add_argument("--ignore", action="store_true")
        a = p.parse_args(rest)
        labels = dict(lab.partition("=")[::2] for lab in a.label)
        print(v.create_volume(engine, a.name, labels=labels, ignore_existing=a.ignore)["Name"])
    elif sub in ("ls", "list"):
        p = argparse.ArgumentParser(prog="pallet volume ls")
        p.add_argument("-q", "--quiet", action="store_true")
        p.add_argument("--format")
        a = p.parse_args(rest)
        vols = v.list_volumes(engine)
        if a.quiet:
            for vol in vols:
                print(vol["Name"])
        elif a.format == "json":
            print_json(vols)
        else:
            print_rows(
                vols,
                default="table {{.Driver}}\t{{.Name}}",
                headers={"Driver": "DRIVER", "Name": "VOLUME NAME"},
                fmt=a.format,
            )
    elif sub == "inspect":
        p = argparse.ArgumentParser(prog="pallet volume inspect")
        p.add_argument("names", nargs="+")
        a = p.parse_args(rest)
        print_json([v.inspect_volume(engine, n) for n in a.names])
    elif sub == "rm":
        p = argparse.ArgumentParser(prog="pallet volume rm")
        p.add_argument("names", nargs="+")
        p.add_argument("-f", "--force", action="store_true")
        a = p.parse_args(rest)
        for n in a.names:
            v.remove_volume(engine, n, force=a.force)
            print(n)
    elif sub == "prune":
        p = argparse.ArgumentParser(prog="pallet volume prune")
        p.add_argument("-f", "--force", action="store_true")
        p.parse_args(rest)
        for n in v.prune_volumes(engine):
            print(n)
    else:
        print(f"Error: unrecognized command `pallet volume {sub}`", file=sys.stderr)
        return 125
    return 0
