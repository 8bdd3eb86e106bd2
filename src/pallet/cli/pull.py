"""``pallet pull [--all-tags] [--platform OS/ARCH[/VARIANT]] [-q] NAME``.

Progress goes to stderr (bars on a terminal, a summary line when piped); the image id goes to
stdout and is always the last line, as with podman.
"""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.login import add_registry_flags, registry_options
from pallet.oci.platform import Platform

__all__ = ["add_platform_flags", "platform_from_args", "pull"]


def add_platform_flags(p: argparse.ArgumentParser) -> None:
    """``--platform`` and podman's ``--arch``/``--os``/``--variant``."""
    p.add_argument("--platform", help="OS/ARCH[/VARIANT] to pull from a multi-platform image")
    p.add_argument("--arch", help="architecture to pull (overrides the host's)")
    p.add_argument("--os", help="operating system to pull (overrides the host's)")
    p.add_argument("--variant", help="architecture variant to pull")


def platform_from_args(a: argparse.Namespace) -> Platform | None:
    """The Platform the flags ask for, or None for the host's."""
    from pallet.oci.platform import host_platform, normalize_arch

    if a.platform:
        return Platform.parse(a.platform)
    if not (a.arch or a.os or a.variant):
        return None
    host = host_platform()
    arch = normalize_arch(a.arch) if a.arch else host.architecture
    variant = a.variant if a.variant is not None else (host.variant if not a.arch else "")
    return Platform(a.os or host.os, arch, variant or "")


def pull(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet pull", description="Pull an image from a registry")
    p.add_argument("name")
    p.add_argument("-a", "--all-tags", action="store_true", help="pull every tagged image")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the image id")
    add_platform_flags(p)
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.cli.progress import make_progress
    from pallet.engine.pull import pull_all_tags, pull_image

    plat = platform_from_args(a)
    opts = registry_options(a)
    engine = g.engine()
    progress = make_progress(a.quiet)
    progress.line("Getting image source signatures")
    if a.all_tags:
        records = pull_all_tags(engine, a.name, platform=plat, progress=progress, options=opts)
    else:
        records = [pull_image(engine, a.name, platform=plat, progress=progress, options=opts)]
    progress.close()  # on success only: a failure prints its one error line
    progress.line("Writing manifest to image destination")
    sys.stderr.flush()
    for rec in records:
        print(rec.hex)
    return 0
