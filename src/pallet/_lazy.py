"""Lazy package exports (PEP 562): a package names its public objects without importing the
modules that define them until one is used, so importing one submodule stays cheap."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any


__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, where: Mapping[str, tuple[str, str]], names: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``where`` maps each exported name to
    (submodule, attribute); a name is imported on first use and then kept on the package."""

    def __getattr__(name: str) -> Any:
        found = where.get(name)
        if found is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib  # here: it imports ``warnings``, which a lean start-up does without

        value = getattr(importlib.import_module(f"{package}.{found[0]}"), found[1])
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
