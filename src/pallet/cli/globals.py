"""Options that come before the verb: ``pallet --root DIR run ...``."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from pallet.engine.context import Engine

__all__ = ["GlobalOptions"]

_WITH_VALUE = {
    "--root": "root",
    "--runroot": "runroot",
    "--runtime": "runtime",
    "--log-level": "log_level",
    "--storage-driver": "storage_driver",
}


class GlobalOptions:
    """Parsed global options; ``engine()`` opens the store they point at.

    A plain class: made on every start, it need not pay for dataclass machinery.
    """

    __slots__ = ("help", "log_level", "root", "runroot", "runtime", "storage_driver", "version")

    def __init__(
        self,
        root: str = "",
        runroot: str = "",
        runtime: str = "",
        log_level: str = "",
        storage_driver: str = "",
        version: bool = False,
        help: bool = False,
    ) -> None:
        self.root = root
        self.runroot = runroot
        self.runtime = runtime
        self.log_level = log_level
        self.storage_driver = storage_driver
        self.version = version
        self.help = help

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"GlobalOptions({fields})"

    @classmethod
    def parse(cls, args: list[str]) -> tuple[GlobalOptions, list[str]]:
        """Consume global options up to the verb; return them and the rest."""
        opts = cls()
        i = 0
        while i < len(args):
            arg = args[i]
            if not arg.startswith("-"):
                break
            name, eq, value = arg.partition("=")
            if name in _WITH_VALUE:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise ValueError(f"flag needs an argument: {name}")
                    value = args[i]
                setattr(opts, _WITH_VALUE[name], value)
            elif arg in ("-v", "--version"):
                opts.version = True
            elif arg in ("-h", "--help"):
                opts.help = True
                return opts, ["--help"]
            else:
                raise ValueError(f"unknown flag: {arg}")
            i += 1
        opts.root = opts.root or os.environ.get("PALLET_ROOT", "")
        opts.runroot = opts.runroot or os.environ.get("PALLET_RUNROOT", "")
        opts.runtime = opts.runtime or os.environ.get("PALLET_RUNTIME", "")
        return opts, args[i:]

    def engine(self) -> Engine:
        from pallet.engine.context import Engine

        return Engine.open(
            root=self.root or None, runroot=self.runroot or None, runtime=self.runtime or None
        )
