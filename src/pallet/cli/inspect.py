"""``pallet inspect`` and ``pallet image inspect``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pallet.cli.globals import GlobalOptions
from pallet.cli.output import print_json
from pallet.cli.template import Template
from pallet.errors import NotFound, PalletError

__all__ = ["exists", "inspect", "inspect_images"]


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Display low-level information")
    p.add_argument("names", nargs="+")
    p.add_argument("-f", "--format", help="Go template")
    p.add_argument("--type", default="all", choices=["all", "image", "container", "volume"])
    p.add_argument("-s", "--size", action="store_true")
    return p


def _emit(results: list[Any], fmt: str | None) -> None:
    if fmt and fmt != "json":
        tmpl = Template(fmt)
        for r in results:
            sys.stdout.write(tmpl.render(r) + "\n")
    else:
        print_json(results)


def _inspect(g: GlobalOptions, argv: list[str], prog: str, kind: str) -> int:
    a = _parser(prog).parse_args(argv)
    kind = kind if kind != "all" else a.type
    engine = g.engine()
    results: list[Any] = []
    errors: list[PalletError] = []
    for name in a.names:
        try:
            results.append(_one(engine, name, kind))
        except NotFound as exc:
            errors.append(exc)
    _emit(results, a.format)
    for err in errors:
        print(f"Error: {err}", file=sys.stderr)
    return 125 if errors else 0


def _one(engine: Any, name: str, kind: str) -> Any:
    from pallet.engine.images import inspect_image

    if kind in ("all", "container"):
        try:
            from pallet.engine.containers import inspect_container

            return inspect_container(engine, name)
        except NotFound:
            if kind == "container":
                raise
    if kind == "volume":
        from pallet.engine.volumes import inspect_volume

        return inspect_volume(engine, name)
    try:
        return inspect_image(engine, name)
    except NotFound:
        if kind == "all":
            raise NotFound(f'no such object: "{name}"') from None
        raise


def inspect(g: GlobalOptions, argv: list[str]) -> int:
    if any(
        n.startswith(("docker://", "oci:", "oci-archive:", "docker-archive:", "dir:")) for n in argv
    ):
        from pallet.cli.remote_inspect import inspect_remote  # type: ignore[import-not-found,unused-ignore]

        return int(inspect_remote(g, argv))
    return _inspect(g, argv, "pallet inspect", "all")


def inspect_containers(g: GlobalOptions, argv: list[str]) -> int:
    return _inspect(g, argv, "pallet container inspect", "container")


def inspect_images(g: GlobalOptions, argv: list[str]) -> int:
    return _inspect(g, argv, "pallet image inspect", "image")


def exists(g: GlobalOptions, argv: list[str]) -> int:
    """``pallet image exists NAME``: exit 0 when present, 1 when not (podman's contract)."""
    from pallet.engine.images import get_image

    try:
        get_image(g.engine(), argv[0])
    except NotFound:
        return 1
    return 0
