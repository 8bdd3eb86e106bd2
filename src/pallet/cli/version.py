"""``pallet version`` and ``pallet system info``."""

from __future__ import annotations

import json
import platform
import sys

from pallet.cli.globals import GlobalOptions

__all__ = ["info", "version"]


def version(g: GlobalOptions, argv: list[str]) -> int:
    from pallet import __version__

    if argv[:2] == ["--format", "json"]:
        print(json.dumps({"Client": {"Version": __version__}}))
        return 0
    print(f"Version:      {__version__}")
    print(f"Python:       {platform.python_version()}")
    print(f"OS/Arch:      linux/{platform.machine()}")
    return 0


def info(g: GlobalOptions, argv: list[str]) -> int:
    from pallet import __version__

    engine = g.engine()
    images = len(list(engine.store.images))
    data = {
        "version": __version__,
        "store": {"root": str(engine.root.path), "runRoot": str(engine.root.run), "images": images},
        "host": {
            "arch": platform.machine(),
            "kernel": platform.release(),
            "python": sys.version.split()[0],
        },
    }
    print(json.dumps(data, indent=2))
    return 0
