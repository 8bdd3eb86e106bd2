"""``pallet copy SRC DST`` (skopeo copy) and ``pallet list-tags docker://REF``."""

from __future__ import annotations

import argparse
import json
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.login import add_registry_flags, registry_options

__all__ = ["copy", "list_tags"]


def copy(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet copy",
        description="Copy an image between docker://, oci:, oci-archive:, docker-archive:, "
        "dir: and the store (containers-storage: or a plain name)",
    )
    p.add_argument("source")
    p.add_argument("destination")
    p.add_argument("-a", "--all", action="store_true", help="copy every image of an index")
    p.add_argument(
        "--dest-compress-format",
        choices=["gzip", "zstd", "none"],
        default=None,
        help="recompress layers for the destination",
    )
    p.add_argument("--digestfile", help="write the digest of the copied manifest here")
    p.add_argument("--platform", help="OS/ARCH[/VARIANT] to pick from an index")
    p.add_argument("-q", "--quiet", action="store_true")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.cli.progress import make_progress
    from pallet.engine.copy import copy_image
    from pallet.oci.platform import Platform

    progress = make_progress(a.quiet)
    progress.line("Getting image source signatures")
    digest = copy_image(
        g.engine(),
        a.source,
        a.destination,
        all_=a.all,
        platform=Platform.parse(a.platform) if a.platform else None,
        compression=a.dest_compress_format,
        force_compression=a.dest_compress_format is not None,
        options=registry_options(a),
        progress=progress,
    )
    progress.close()  # on success only: a failure prints its one error line
    progress.line("Writing manifest to image destination")
    if a.digestfile:
        with open(a.digestfile, "w") as fh:
            fh.write(digest)
    return 0


def list_tags(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet list-tags", description="List the tags of a repository in a registry"
    )
    p.add_argument("repository", help="docker://HOST/REPO (or HOST/REPO)")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.engine.pull import with_context
    from pallet.errors import PalletError
    from pallet.oci.reference import Reference
    from pallet.transports.registry import list_tags as do_list

    ref = Reference.parse(a.repository.removeprefix("docker://"))
    ref = ref.docker_hub() if ref.is_short else ref
    try:
        tags = do_list(ref, registry_options(a))
    except PalletError as exc:
        raise with_context(exc, f"listing tags of docker://{ref.repository}") from None
    sys.stdout.write(json.dumps({"Repository": ref.repository, "Tags": tags}, indent=4) + "\n")
    return 0
