"""``pallet ps``: list containers, with docker's statuses and podman's columns."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pallet.cli.globals import GlobalOptions
from pallet.cli.output import print_rows
from pallet.errors import InvalidArgument
from pallet.humanize import human_duration, parse_time, since

__all__ = ["ps", "status_text"]

HEADERS = {
    "ID": "CONTAINER ID",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "Created": "CREATED",
    "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED",
    "Status": "STATUS",
    "Ports": "PORTS",
    "Names": "NAMES",
    "State": "STATE",
    "Labels": "LABELS",
    "Mounts": "MOUNTS",
    "Size": "SIZE",
}
DEFAULT = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Created}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
)


def status_text(state: Any) -> str:
    """``Up 3 seconds``, ``Exited (0) 2 seconds ago``, ``Created``, ``Up … (Paused)``."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    if state.status in ("running", "paused"):
        started = parse_time(state.started_at)
        up = human_duration((now - started).total_seconds()) if started else "Less than a second"
        return f"Up {up}" + (" (Paused)" if state.status == "paused" else "")
    if state.status == "restarting":
        return f"Restarting ({state.exit_code}) {since(state.finished_at)}"
    if state.status == "exited":
        return f"Exited ({state.exit_code}) {since(state.finished_at)}"
    if state.status == "dead":
        return "Dead (monitor gone)"
    return "Created"


def _filters(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for f in items:
        k, eq, v = f.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid filter {f!r}: want KEY=VALUE")
        if k not in ("status", "name", "id", "label", "ancestor", "exited", "before", "since"):
            raise InvalidArgument(f"invalid filter {k!r}")
        out.append((k, v))
    return out


def _keep(view: Any, filters: list[tuple[str, str]]) -> bool:
    import fnmatch

    rec, st = view.record, view.state
    for k, v in filters:
        if k == "status" and st.status != v:
            return False
        if k == "name" and v not in rec.name:
            return False
        if k == "id" and not rec.id.startswith(v):
            return False
        if k == "label":
            lk, eq, lv = v.partition("=")
            labels = dict(rec.options.labels)
            if lk not in labels or (eq and labels[lk] != lv):
                return False
        if k == "ancestor" and not (
            fnmatch.fnmatch(rec.image_name, v) or rec.image_id.removeprefix("sha256:").startswith(v)
        ):
            return False
        if k == "exited" and (st.status != "exited" or str(st.exit_code) != v):
            return False
    return True


def ps(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet ps", description="List containers")
    p.add_argument("-a", "--all", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-l", "--latest", action="store_true")
    p.add_argument("-n", "--last", type=int, default=-1)
    p.add_argument("-f", "--filter", action="append", default=[])
    p.add_argument("--format")
    p.add_argument("--no-trunc", action="store_true")
    p.add_argument("-s", "--size", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.container_list import list_containers

    filters = _filters(a.filter)
    views = list_containers(
        g.engine(),
        all_=a.all or a.latest or a.last >= 0 or any(k in ("status", "exited") for k, _ in filters),
    )
    views = [v for v in views if _keep(v, filters)]
    if a.latest:
        views = views[:1]
    elif a.last >= 0:
        views = views[: a.last]
    if a.quiet:
        if views:
            sys.stdout.write(
                "\n".join(v.record.id if a.no_trunc else v.record.id[:12] for v in views) + "\n"
            )
        return 0
    rows = [_row(v, a.no_trunc) for v in views]
    if a.format == "json":
        from pallet.cli.output import print_json

        print_json(rows)
        return 0
    print_rows(rows, default=DEFAULT, headers=HEADERS, fmt=a.format)
    return 0


def _row(v: Any, no_trunc: bool) -> dict[str, Any]:
    rec, st = v.record, v.state
    cmd = " ".join((rec.path, *rec.args)).strip()
    if not no_trunc and len(cmd) > 20:
        cmd = cmd[:17] + "..."
    return {
        "ID": rec.id if no_trunc else rec.id[:12],
        "Id": rec.id,
        "Image": rec.image_name,
        "ImageID": rec.image_id,
        "Command": f'"{cmd}"' if not no_trunc else cmd,
        "Created": since(rec.created),
        "RunningFor": since(rec.created),
        "CreatedAt": rec.created,
        "Status": status_text(st),
        "State": st.status,
        "Ports": ", ".join(rec.options.publish),
        "Names": rec.name,
        "Labels": dict(rec.options.labels),
        "ExitCode": st.exit_code,
        "Pid": st.pid,
        "Mounts": [m.target for m in rec.options.mounts],
        "Size": "",
        "StartedAt": st.started_at,
        "Exited": st.status == "exited",
    }
