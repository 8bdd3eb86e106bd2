"""``pallet images``: list images (podman's columns, flags and ``--format`` fields)."""

from __future__ import annotations

import argparse
import fnmatch
import sys
from typing import Any

from pallet.cli.globals import GlobalOptions
from pallet.cli.output import print_rows
from pallet.errors import InvalidArgument
from pallet.humanize import human_size, parse_time, since

__all__ = ["images"]

HEADERS = {
    "Repository": "REPOSITORY",
    "Tag": "TAG",
    "ID": "IMAGE ID",
    "Id": "IMAGE ID",
    "Created": "CREATED",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "Size": "SIZE",
    "Digest": "DIGEST",
    "Containers": "CONTAINERS",
}
DEFAULT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
WITH_DIGESTS = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"


def parser(prog: str = "pallet images") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="List images in local storage")
    p.add_argument("reference", nargs="?", help="only images matching this reference")
    p.add_argument("-a", "--all", action="store_true", help="show all images")
    p.add_argument("-q", "--quiet", action="store_true", help="display only image IDs")
    p.add_argument("--digests", action="store_true", help="show digests")
    p.add_argument("--no-trunc", action="store_true", help="do not truncate output")
    p.add_argument("-n", "--noheading", action="store_true", help="do not print headings")
    p.add_argument("-f", "--filter", action="append", default=[], help="filter output")
    p.add_argument("--format", help="Go template or json")
    return p


def _matches(row: Any, filters: list[tuple[str, str]], reference: str | None) -> bool:
    name = f"{row.repository}:{row.tag}"
    for key, value in filters:
        if key == "dangling":
            if (value.lower() in ("true", "1")) != row.dangling:
                return False
        elif key == "reference":
            if not _ref_match(name, value):
                return False
        elif key == "label":
            k, eq, v = value.partition("=")
            if k not in row.labels or (eq and row.labels[k] != v):
                return False
        elif key == "id":
            if not row.record.hex.startswith(value.removeprefix("sha256:")):
                return False
        elif key in ("before", "since"):
            continue  # resolved by the caller (needs the reference image's time)
        else:
            raise InvalidArgument(f"invalid image filter {key!r}")
    return reference is None or _ref_match(name, reference)


def _ref_match(name: str, pattern: str) -> bool:
    if ":" not in pattern.rsplit("/", 1)[-1]:
        pattern += ":*"
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name, "*/" + pattern)


def images(g: GlobalOptions, argv: list[str], prog: str = "pallet images") -> int:
    a = parser(prog).parse_args(argv)
    from pallet.engine.images import get_image, list_images

    engine = g.engine()
    filters = []
    for f in a.filter:
        k, eq, v = f.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid filter {f!r}: want KEY=VALUE")
        filters.append((k, v))
    rows = [r for r in list_images(engine, all_=a.all) if _matches(r, filters, a.reference)]
    for key, value in filters:
        if key in ("before", "since"):
            rows = _time_filter(rows, key, get_image(engine, value).record.created)
    if a.quiet:
        seen: list[str] = []
        for r in rows:
            ident = r.record.hex if a.no_trunc else r.record.hex[:12]
            if ident not in seen:
                seen.append(ident)
        if seen:
            sys.stdout.write("\n".join(seen) + "\n")
        return 0
    if a.format == "json":
        by_id: dict[str, dict[str, Any]] = {}
        for r in rows:
            by_id.setdefault(r.record.id, _json_row(r))
        print_rows([], default=DEFAULT, headers=HEADERS, fmt="json", json_rows=list(by_id.values()))
        return 0
    fmt = a.format or (WITH_DIGESTS if a.digests else DEFAULT)
    if a.noheading and fmt.startswith("table"):
        fmt = fmt[5:].lstrip()
    print_rows([_row(r, a.no_trunc) for r in rows], default=DEFAULT, headers=HEADERS, fmt=fmt)
    return 0


def _time_filter(rows: list[Any], key: str, reference: str) -> list[Any]:
    """Rows created before (or since) the reference image."""
    ref_time = parse_time(reference)
    out = []
    for r in rows:
        t = parse_time(r.created)
        if ref_time is None or t is None:
            continue
        if (t < ref_time) if key == "before" else (t > ref_time):
            out.append(r)
    return out


def _row(r: Any, no_trunc: bool) -> dict[str, Any]:
    created = parse_time(r.created)
    return {
        "ID": r.record.id if no_trunc else r.record.hex[:12],
        "Id": r.record.hex,
        "Repository": r.repository,
        "Tag": r.tag,
        "Digest": r.digest,
        "Created": since(r.created),
        "CreatedSince": since(r.created),
        "CreatedAt": created.strftime("%Y-%m-%d %H:%M:%S %z %Z") if created else "",
        "Size": human_size(r.size),
        "VirtualSize": human_size(r.size),
        "Labels": r.labels,
        "Dangling": r.dangling,
        "Containers": r.containers,
        "Names": list(r.record.names),
        "ReadOnly": False,
    }


def _json_row(r: Any) -> dict[str, Any]:
    created = parse_time(r.created)
    return {
        "Id": r.record.hex,
        "ParentId": "",
        "RepoTags": list(r.record.names) or None,
        "RepoDigests": [f"{n.rpartition(':')[0]}@{r.digest}" for n in r.record.names],
        "Size": r.size,
        "SharedSize": 0,
        "VirtualSize": r.size,
        "Labels": r.labels or None,
        "Containers": r.containers,
        "Names": list(r.record.names) or None,
        "Digest": r.digest,
        "Dangling": r.dangling,
        "Created": int(created.timestamp()) if created else 0,
        "CreatedAt": r.created,
    }
