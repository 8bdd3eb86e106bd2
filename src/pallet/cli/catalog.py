"""``pallet catalog``: Taskcluster-style image folders, built in dependency order.

    pallet catalog [list] | hash NAME | graph | build [NAME...] [--all] [-j N]
                   | load NAME|ROUTE|PATH|URL | push NAME

Every subcommand reads the catalog of a source tree (``--topsrcdir``, default the current
directory; images under ``taskcluster/docker`` or ``--dir``). ``build`` skips an image whose
cache digest is indexed, builds the rest (``NAME:CONTEXT_HASH``), writes each
``image.tar.zst`` and records its routes in ``ROOT/catalog/index.json`` (and, with
``--index-registry HOST/REPO``, as tags there).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pallet.cli.globals import GlobalOptions

if TYPE_CHECKING:
    from pallet.catalog import Catalog
    from pallet.catalog.builder import BuildStreams
    from pallet.transports.registry import RegistryOptions

__all__ = ["catalog"]

_SUBCOMMANDS = ("list", "hash", "graph", "build", "load", "push")


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--topsrcdir", default=".", help="the source tree (default: .)")
    p.add_argument("--dir", default=None, help="the images folder (default: taskcluster/docker)")
    p.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="K=V",
        help="add to or override the kind file's args",
    )
    return p


def _registry(p: argparse.ArgumentParser) -> None:
    from pallet.cli.login import add_registry_flags

    p.add_argument(
        "--index-registry",
        metavar="HOST/REPO",
        help="find and keep built images as tags of this repository",
    )
    add_registry_flags(p)


def _parser() -> argparse.ArgumentParser:
    common = _common()
    p = argparse.ArgumentParser(prog="pallet catalog", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command")
    ls = sub.add_parser("list", parents=[common], help="the catalog's images")
    ls.add_argument("-q", "--quiet", action="store_true", help="names only")
    ls.add_argument(
        "--digests",
        action="store_true",
        help="also context hashes, cache digests and whether they are indexed",
    )
    h = sub.add_parser("hash", parents=[common], help="print an image's context hash")
    h.add_argument("name")
    h.add_argument("--digest", action="store_true", help="print the cache digest instead")
    g = sub.add_parser("graph", parents=[common], help="the parent graph")
    g.add_argument("--dot", action="store_true", help="as Graphviz dot")
    b = sub.add_parser("build", parents=[common], help="build images in dependency order")
    b.add_argument("names", nargs="*", metavar="NAME")
    b.add_argument("--all", action="store_true", help="every image (the default without names)")
    b.add_argument("-j", "--jobs", type=int, default=1, help="images built at once")
    b.add_argument("--artifacts", metavar="DIR", help="also put NAME/image.tar.zst here")
    b.add_argument(
        "--level",
        type=int,
        default=None,
        help="taskgraph level: 1 compresses fast (zstd 3), others small (zstd 10); "
        "default $MOZ_SCM_LEVEL or 3",
    )
    b.add_argument("--no-cache", action="store_true", help="do not use cached build steps")
    b.add_argument("--pull", default="missing", choices=["always", "missing", "never"])
    _registry(b)
    ld = sub.add_parser("load", parents=[common], help="load an image.tar.zst")
    ld.add_argument("image", metavar="NAME|ROUTE|PATH|URL")
    ld.add_argument("-t", "--tag", help="name it TAG instead of the archive's name")
    _registry(ld)
    ps = sub.add_parser("push", parents=[common], help="push a built image")
    ps.add_argument("name")
    ps.add_argument(
        "destination",
        nargs="?",
        help="default: its routes in --index-registry, else [REGISTRY/]NAME:VERSION",
    )
    _registry(ps)
    return p


def _pairs(values: list[str]) -> dict[str, str]:
    from pallet.errors import InvalidArgument

    out: dict[str, str] = {}
    for value in values:
        key, eq, val = value.partition("=")
        if not key or not eq:
            raise InvalidArgument(f"invalid --arg {value!r}: want NAME=VALUE")
        out[key] = val
    return out


def _load(a: argparse.Namespace) -> Catalog:
    from pallet.catalog import load_catalog

    return load_catalog(Path(a.topsrcdir), Path(a.dir) if a.dir else None, args=_pairs(a.arg))


def _options(a: argparse.Namespace) -> RegistryOptions:
    from pallet.cli.login import registry_options

    return registry_options(a)


def catalog(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["list", *argv]
    a = _parser().parse_args(argv)
    return {
        "list": _list,
        "hash": _hash,
        "graph": _graph,
        "build": _build,
        "load": _load_cmd,
        "push": _push,
    }[a.command](g, a)


def _list(g: GlobalOptions, a: argparse.Namespace) -> int:
    cat = _load(a)
    if a.quiet:
        for image in cat:
            print(image.name)
        return 0
    rows = [
        (
            "NAME",
            "PARENT",
            "TAG",
            *(("CONTEXT HASH", "CACHE DIGEST", "INDEXED") if a.digests else ()),
        )
    ]
    if a.digests:
        from pallet.catalog.builder import plan
        from pallet.catalog.local_index import LocalIndex

        index = LocalIndex(g.engine().root.path)
        for p in plan(cat):
            entry = index.find_digest(p.name, p.digest)
            rows.append(
                (
                    p.name,
                    p.image.parent or "-",
                    p.image.tag,
                    p.context_hash[:12],
                    p.digest[:12],
                    entry.pushed[:19] if entry else "no",
                )
            )
    else:
        rows += [(i.name, i.parent or "-", i.tag) for i in cat]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _hash(g: GlobalOptions, a: argparse.Namespace) -> int:
    from pallet.catalog.builder import plan

    planned = plan(_load(a), [a.name])[-1]
    print(planned.digest if a.digest else planned.context_hash)
    return 0


def _graph(g: GlobalOptions, a: argparse.Namespace) -> int:
    from pallet.catalog import layers

    cat = _load(a)
    children: dict[str | None, list[str]] = {}
    for layer in layers(cat):
        for image in layer:
            children.setdefault(image.parent, []).append(image.name)
    if a.dot:
        print("digraph catalog {")
        for image in cat:
            print(f'  "{image.name}";')
            if image.parent:
                print(f'  "{image.parent}" -> "{image.name}";')
        print("}")
        return 0

    def walk(name: str, prefix: str, last: bool, top: bool) -> None:
        print(name if top else f"{prefix}{'└── ' if last else '├── '}{name}")
        below = children.get(name, [])
        inner = "" if top else prefix + ("    " if last else "│   ")
        for i, child in enumerate(below):
            walk(child, inner, i == len(below) - 1, False)

    for root in children.get(None, []):
        walk(root, "", True, True)
    return 0


class _Reporter:
    """Prints status lines; with several jobs, build output is prefixed with ``[NAME]``."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.lock = threading.Lock()

    def _write(self, text: str) -> None:
        with self.lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def message(self, name: str, text: str) -> None:
        self._write(f"{name}: {text}")

    @contextmanager
    def streams(self, name: str) -> Iterator[BuildStreams]:
        from pallet.catalog.builder import BuildStreams

        if self.jobs <= 1:
            yield BuildStreams(self._write, 1, 2)
            return
        read_fd, write_fd = os.pipe()

        def pump() -> None:
            with os.fdopen(read_fd, "rb") as fh:
                for raw in fh:
                    self._write(f"[{name}] {raw.decode(errors='replace').rstrip()}")

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        try:
            yield BuildStreams(lambda line: self._write(f"[{name}] {line}"), write_fd, write_fd)
        finally:
            os.close(write_fd)
            thread.join()


def _build(g: GlobalOptions, a: argparse.Namespace) -> int:
    from pallet.catalog.builder import BuildSettings, Outcome, plan
    from pallet.catalog.registry_index import check_repository
    from pallet.catalog.scheduler import run_build
    from pallet.errors import BuildError, InvalidArgument

    if a.jobs < 1:
        raise InvalidArgument("-j must be at least 1")
    if a.all and a.names:
        raise InvalidArgument("--all and image names are exclusive")
    level = a.level if a.level is not None else int(os.environ.get("MOZ_SCM_LEVEL") or 3)
    cat = _load(a)
    planned = plan(cat, a.names)
    settings = BuildSettings(
        level=level,
        artifacts=Path(a.artifacts).absolute() if a.artifacts else None,
        index_registry=check_repository(a.index_registry) if a.index_registry else None,
        registry_options=_options(a) if a.index_registry else None,
        jobs=a.jobs,
        no_cache=a.no_cache,
        pull=a.pull,
    )
    engine = g.engine()
    sys.stdout.flush()
    results = run_build(engine, cat, planned, settings, _Reporter(a.jobs))
    counts = {o: sum(r.outcome is o for r in results) for o in Outcome}
    summary = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
    print(f"catalog: {summary}")
    failures = [r for r in results if r.outcome is Outcome.FAILED]
    if failures:
        first = failures[0]
        prefix = f"image {first.planned.name}"
        text = first.error if first.error.startswith(prefix) else f"{prefix}: {first.error}"
        raise BuildError(text)
    return 0


def _load_cmd(g: GlobalOptions, a: argparse.Namespace) -> int:
    from pallet.catalog.loading import load_image
    from pallet.catalog.registry_index import check_repository
    from pallet.errors import NotFound

    def find() -> Catalog | None:
        try:
            return _load(a)
        except NotFound:
            return None

    engine = g.engine()
    loaded = load_image(
        engine,
        a.image,
        tag=a.tag,
        catalog=find,
        index_registry=check_repository(a.index_registry) if a.index_registry else None,
        options=_options(a) if a.index_registry else None,
    )
    name = loaded.names[0] if loaded.names else loaded.record.hex
    for n in loaded.names or (loaded.record.id,):
        print(f"Loaded image: {n}")
    print(f"Try: pallet run -ti --rm {name} bash", file=sys.stderr)
    return 0


def _push(g: GlobalOptions, a: argparse.Namespace) -> int:
    from pallet.catalog.builder import plan
    from pallet.catalog.local_index import LocalIndex
    from pallet.errors import InvalidArgument, NotFound

    planned = plan(_load(a), [a.name])[-1]
    engine = g.engine()
    entry = LocalIndex(engine.root.path).find_digest(a.name, planned.digest)
    if entry is None:
        raise NotFound(
            f"image {a.name}: not built at cache digest {planned.digest[:12]} "
            f"(run: pallet catalog build {a.name})"
        )
    opts = _options(a)
    if a.destination or not a.index_registry:
        from pallet.engine.push import push_image

        dest = a.destination or planned.image.tag
        if dest == planned.image.tag and not planned.image.registry:
            raise InvalidArgument(
                f"image {a.name}: no REGISTRY file; give a destination or --index-registry"
            )
        digest = push_image(engine, entry.image_id, dest, options=opts)
        print(f"{dest}@{digest}")
        return 0
    from pallet.catalog.registry_index import check_repository, push_routes

    repo = check_repository(a.index_registry)
    for ref in push_routes(engine, entry.image_id, repo, entry.routes(), opts):
        print(ref)
    return 0
