"""``pallet inspect docker://REF [--raw] [--config]``: skopeo inspect without pulling.

``cli/inspect.py`` hands over here when the first name carries a transport prefix.
"""

from __future__ import annotations

import argparse
import json
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.login import add_registry_flags, registry_options

__all__ = ["inspect_remote"]


def inspect_remote(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet inspect", description="Inspect an image in a registry without pulling it"
    )
    p.add_argument("name", help="docker://REFERENCE")
    p.add_argument("--raw", action="store_true", help="print the manifest bytes as served")
    p.add_argument("--config", action="store_true", help="print the image config")
    p.add_argument("--no-tags", "-n", action="store_true", help="do not list the repo's tags")
    p.add_argument("--platform", help="OS/ARCH[/VARIANT] to pick from an index")
    p.add_argument("-f", "--format", help="Go template")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.engine import remote_inspect as ri
    from pallet.errors import InvalidArgument
    from pallet.oci.platform import Platform

    if not a.name.startswith("docker://"):
        raise InvalidArgument(f"{a.name}: only docker:// references can be inspected remotely")
    opts = registry_options(a)
    plat = Platform.parse(a.platform) if a.platform else None
    if a.config:
        data = ri.raw_config(a.name, opts, plat)
        if a.raw:
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(json.dumps(json.loads(data), indent=4) + "\n")
        return 0
    if a.raw:
        sys.stdout.buffer.write(ri.raw_manifest(a.name, opts))
        return 0
    result = ri.inspect_remote(a.name, opts, platform=plat, tags=not a.no_tags)
    if a.format:
        from pallet.cli.template import Template

        sys.stdout.write(Template(a.format).render(result) + "\n")
    else:
        sys.stdout.write(json.dumps(result, indent=4) + "\n")
    return 0
