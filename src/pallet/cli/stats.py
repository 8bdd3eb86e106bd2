"""``pallet stats [--no-stream] [--format F] [CONTAINER...]``: docker's resource usage table."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pallet.cli.globals import GlobalOptions

__all__ = ["stats"]

_DEFAULT = (
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}"
    "\t{{.BlockIO}}\t{{.PIDs}}"
)
_HEADERS = {
    "ID": "CONTAINER ID",
    "Container": "CONTAINER",
    "Name": "NAME",
    "CPUPerc": "CPU %",
    "MemUsage": "MEM USAGE / LIMIT",
    "MemPerc": "MEM %",
    "NetIO": "NET I/O",
    "BlockIO": "BLOCK I/O",
    "PIDs": "PIDS",
}


def _binary(n: float) -> str:
    """docker's BytesSize: ``1.465MiB``."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024.0
        i += 1
    return f"{n:.4g}{units[i]}"


def _decimal(n: float) -> str:
    """docker's HumanSizeWithPrecision(n, 3): ``4.1kB``."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n /= 1000.0
        i += 1
    return f"{n:.3g}{units[i]}"


def _row(s: Any, no_trunc: bool) -> dict[str, Any]:
    return {
        "ID": s.id if no_trunc else s.id[:12],
        "Container": s.name,
        "Name": s.name,
        "CPUPerc": f"{s.cpu_percent:.2f}%",
        "MemUsage": f"{_binary(s.mem_usage)} / {_binary(s.mem_limit)}",
        "MemPerc": f"{s.mem_percent:.2f}%",
        "NetIO": f"{_decimal(s.net_rx)} / {_decimal(s.net_tx)}",
        "BlockIO": f"{_decimal(s.block_read)} / {_decimal(s.block_write)}",
        "PIDs": str(s.pids),
    }


def stats(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="pallet stats", description="Display a live stream of container resource usage"
    )
    p.add_argument("-a", "--all", action="store_true", help="all containers (default: running)")
    p.add_argument("--no-stream", action="store_true", help="print one sample and exit")
    p.add_argument("--no-trunc", action="store_true")
    p.add_argument("--format", default="")
    p.add_argument("containers", nargs="*")
    a = p.parse_args(argv)
    from pallet.cli.output import print_rows
    from pallet.engine.container_state import read_state
    from pallet.engine.container_top import container_stats
    from pallet.engine.containers import list_containers, resolve_container

    engine = g.engine()
    names = list(a.containers) or [v.record.id for v in list_containers(engine, all_=a.all)]
    for name in a.containers:
        resolve_container(engine, name)
    while True:
        rows = []
        for name in names:
            rec = resolve_container(engine, name)
            if not read_state(engine, rec).running:
                if a.containers or a.all:
                    rows.append(_stopped_row(rec, a.no_trunc))
                continue
            rows.append(_row(container_stats(engine, rec.id), a.no_trunc))
        if not a.no_stream:
            sys.stdout.write("\x1b[2J\x1b[H")
        print_rows(rows, default=_DEFAULT, headers=_HEADERS, fmt=a.format or None)
        sys.stdout.flush()
        if a.no_stream:
            return 0


def _stopped_row(rec: Any, no_trunc: bool) -> dict[str, Any]:
    return {
        "ID": rec.id if no_trunc else rec.id[:12],
        "Container": rec.name,
        "Name": rec.name,
        "CPUPerc": "0.00%",
        "MemUsage": "0B / 0B",
        "MemPerc": "0.00%",
        "NetIO": "0B / 0B",
        "BlockIO": "0B / 0B",
        "PIDs": "0",
    }
