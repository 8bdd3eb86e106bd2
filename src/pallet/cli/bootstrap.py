"""``pallet bootstrap busybox [REF]`` / ``pallet bootstrap debian:SUITE [REF]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument

__all__ = ["bootstrap"]


def bootstrap(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet bootstrap",
        description="Make a base image without a registry: busybox (from the host's "
        "busybox-static) or debian:SUITE (debootstrap minbase from the Debian mirror)",
    )
    p.add_argument("source", help="busybox | debian:SUITE")
    p.add_argument("reference", nargs="?")
    p.add_argument("--rootfs", help="use this already debootstrapped tree (a cache)")
    p.add_argument("--mirror", help="Debian mirror URL")
    a = p.parse_args(argv)
    from pallet.engine import bootstrap as bs

    engine = g.engine()
    if a.source == "busybox":
        rec = bs.bootstrap_busybox(engine, a.reference or "busybox:latest")
    elif a.source.startswith("debian"):
        suite = a.source.partition(":")[2] or "bookworm"
        rec = bs.bootstrap_debian(
            engine, suite, a.reference, rootfs=Path(a.rootfs) if a.rootfs else None, mirror=a.mirror
        )
    else:
        raise InvalidArgument(
            f"unknown bootstrap source {a.source!r}: want busybox or debian:SUITE"
        )
    print(rec.hex)
    return 0
