"""``pallet manifest create|add|annotate|inspect|rm|push``: local manifest lists."""

from __future__ import annotations

import argparse
import json
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.login import add_registry_flags, registry_options

__all__ = ["manifest"]

_USAGE = "Usage: pallet manifest {create,add,annotate,inspect,rm,push} ..."


def manifest(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0 if argv else 125
    sub, rest = argv[0], argv[1:]
    handler = _SUBS.get(sub)
    if handler is None:
        print(f"Error: unrecognized command `pallet manifest {sub}`", file=sys.stderr)
        return 125
    return handler(g, rest)


def _create(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest create")
    p.add_argument("name")
    p.add_argument("images", nargs="*")
    p.add_argument("--all", action="store_true", help="add every image of an index")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.engine.manifest_lists import add_to_list, create_list

    engine = g.engine()
    digest = create_list(engine, a.name)
    for image in a.images:
        digest = add_to_list(engine, a.name, image, all_=a.all, options=registry_options(a))
    print(digest)
    return 0


def _add(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest add")
    p.add_argument("list")
    p.add_argument("image")
    p.add_argument("--all", action="store_true", help="add every image of an index")
    p.add_argument("--os", default="")
    p.add_argument("--arch", default="")
    p.add_argument("--variant", default="")
    p.add_argument("--annotation", action="append", default=[])
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.engine.manifest_lists import add_to_list, annotate_list, inspect_list

    engine = g.engine()
    digest = add_to_list(engine, a.list, a.image, all_=a.all, options=registry_options(a))
    if a.os or a.arch or a.variant or a.annotation:
        index = json.loads(inspect_list(engine, a.list))
        child = index["manifests"][-1]["digest"]
        digest = annotate_list(
            engine,
            a.list,
            child,
            os=a.os,
            arch=a.arch,
            variant=a.variant,
            annotations=a.annotation,
        )
    print(digest)
    return 0


def _annotate(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest annotate")
    p.add_argument("list")
    p.add_argument("digest")
    p.add_argument("--os", default="")
    p.add_argument("--arch", default="")
    p.add_argument("--variant", default="")
    p.add_argument("--os-version", default="")
    p.add_argument("--annotation", action="append", default=[])
    a = p.parse_args(argv)
    from pallet.engine.manifest_lists import annotate_list

    digest = annotate_list(
        g.engine(),
        a.list,
        a.digest,
        os=a.os,
        arch=a.arch,
        variant=a.variant,
        os_version=a.os_version,
        annotations=a.annotation,
    )
    print(digest)
    return 0


def _inspect(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest inspect")
    p.add_argument("name")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.engine.manifest_lists import inspect_list
    from pallet.errors import ImageNotFound

    try:
        data = inspect_list(g.engine(), a.name)
    except ImageNotFound:
        if a.name.startswith("containers-storage:"):
            raise
        from pallet.engine.remote_inspect import raw_manifest

        data = raw_manifest(a.name, registry_options(a))
    sys.stdout.write(json.dumps(json.loads(data), indent=4) + "\n")
    return 0


def _rm(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest rm")
    p.add_argument("names", nargs="+")
    a = p.parse_args(argv)
    from pallet.engine.manifest_lists import remove_lists

    for name in remove_lists(g.engine(), a.names):
        print(f"Untagged: {name}")
    return 0


def _push(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet manifest push")
    p.add_argument("list")
    p.add_argument("destination", nargs="?")
    p.add_argument("--all", action="store_true", help="push the images of the list too")
    p.add_argument("--digestfile")
    p.add_argument("--rm", action="store_true", help="remove the local list after pushing")
    p.add_argument("-q", "--quiet", action="store_true")
    add_registry_flags(p)
    a = p.parse_args(argv)
    from pallet.cli.progress import make_progress
    from pallet.engine.manifest_lists import push_list, remove_lists

    engine = g.engine()
    progress = make_progress(a.quiet)
    digest = push_list(
        engine,
        a.list,
        a.destination or a.list,
        options=registry_options(a),
        progress=progress,
    )
    progress.close()  # on success only: a failure prints its one error line
    if a.digestfile:
        with open(a.digestfile, "w") as fh:
            fh.write(digest)
    if a.rm:
        remove_lists(engine, [a.list])
    print(digest)
    return 0


_SUBS = {
    "create": _create,
    "add": _add,
    "annotate": _annotate,
    "inspect": _inspect,
    "rm": _rm,
    "push": _push,
}
