"""``pallet history IMAGE``."""

from __future__ import annotations

import argparse

from pallet.cli.globals import GlobalOptions
from pallet.cli.output import print_rows
from pallet.humanize import since

__all__ = ["history"]

HEADERS = {
    "ID": "ID",
    "Created": "CREATED",
    "CreatedBy": "CREATED BY",
    "Size": "SIZE",
    "Comment": "COMMENT",
}
DEFAULT = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"


def history(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet history", description="Show an image's history")
    p.add_argument("image")
    p.add_argument("--format")
    p.add_argument("-H", "--human", action="store_true", default=True)
    p.add_argument("--no-trunc", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    from pallet.engine.images import get_image
    from pallet.humanize import human_size

    engine = g.engine()
    img = get_image(engine, a.image)
    cfg = img.config
    diff_ids = list(cfg.diff_ids)
    rows = []
    entries = list(cfg.history) or []
    for i, h in enumerate(reversed(entries)):
        layer_index = sum(1 for e in entries[: len(entries) - i] if not e.empty_layer) - 1
        size = 0
        if not h.empty_layer and 0 <= layer_index < len(diff_ids):
            size = engine.store.layers.info(diff_ids[layer_index]).size
        created_by = h.created_by if a.no_trunc else h.created_by[:45]
        rows.append(
            {
                "ID": img.record.hex[:12] if i == 0 else "<missing>",
                "Created": since(h.created),
                "CreatedAt": h.created,
                "CreatedBy": created_by,
                "Size": human_size(size),
                "Comment": h.comment,
                "Tags": list(img.record.names),
            }
        )
    if a.quiet:
        for r in rows:
            print(r["ID"])
        return 0
    print_rows(rows, default=DEFAULT, headers=HEADERS, fmt=a.format, json_rows=rows)
    return 0
