"""``pallet system check|df|prune|info``."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.humanize import human_size

__all__ = ["system"]


def system(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("Usage: pallet system {check,df,prune,info,service}")
        return 0 if argv else 125
    sub, rest = argv[0], argv[1:]
    if sub == "check":
        return _check(g, rest)
    if sub == "df":
        return _df(g, rest)
    if sub == "prune":
        return _prune(g, rest)
    if sub == "info":
        from pallet.cli.version import info

        return info(g, rest)
    if sub == "service":
        from pallet.cli.service import service  # type: ignore[import-not-found]

        return int(service(g, rest))
    print(f"Error: unrecognized command `pallet system {sub}`", file=sys.stderr)
    return 125


def _check(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet system check", description="Verify every blob, layer and image of the store"
    )
    p.add_argument("-r", "--repair", action="store_true", help="remove what is damaged")
    a = p.parse_args(argv)
    from pallet.engine.check import check_store

    report = check_store(g.engine(), repair=a.repair)
    for line in report.problems:
        print(line)
    for line in report.repaired:
        print(f"repaired: {line}")
    if report.cleaned:
        print(f"removed {len(report.cleaned)} leftovers of interrupted writes")
    print(
        f"checked {report.blobs} blobs, {report.layers} layers, {report.images} images: "
        + ("no problems found" if report.ok else f"{len(report.problems)} problems")
    )
    return 0 if report.ok or a.repair else 1


def _df(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet system df", description="Show disk usage")
    p.add_argument("--format")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.system import disk_usage

    rows = disk_usage(g.engine())
    if a.format == "json":
        from pallet.cli.output import print_json

        print_json([r.__dict__ for r in rows])
        return 0
    print(f"{'TYPE':<15}{'TOTAL':<10}{'ACTIVE':<10}{'SIZE':<12}RECLAIMABLE")
    for r in rows:
        pct = int(100 * r.reclaimable / r.size) if r.size else 0
        print(
            f"{r.type:<15}{r.total:<10}{r.active:<10}{human_size(r.size):<12}"
            f"{human_size(r.reclaimable)} ({pct}%)"
        )
    return 0


def _prune(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet system prune",
        description="Remove unused data: stopped containers, dangling "
        "images, unused blobs and layers",
    )
    p.add_argument("-a", "--all", action="store_true", help="remove all unused images")
    p.add_argument("-f", "--force", action="store_true", help="do not prompt")
    p.add_argument("--volumes", action="store_true", help="prune volumes too")
    a = p.parse_args(argv)
    from pallet.engine.system import prune_system

    report = prune_system(g.engine(), all_=a.all, volumes=a.volumes)
    for line in report.lines:
        print(line)
    print(f"Total reclaimed space: {human_size(report.reclaimed)}")
    return 0
