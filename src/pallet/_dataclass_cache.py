"""A cache of the code ``dataclasses`` compiles for every class, kept between runs.

Decorating a dataclass builds source text for ``__init__``, ``__repr__``, ``__eq__``, … and
compiles it with ``exec``: about 0.9 ms a class, some 20 ms of ``pallet run``'s start-up. The
compiled code depends on nothing but that text, so the CLI keeps it, marshalled, beside
pallet's own bytecode and reuses it; the functions made from it are the same as without the
cache. There is one file per *scope* (the CLI passes its verb), so a verb loads only the code
of the classes it uses: one file for every class pallet has would cost more to read than it
saves. ``__repr__``, ``__eq__``, ``__hash__`` and the ordering methods are made only when first
called (a small stand-in compiles the real one then): most runs never call them, and their
code is half of what the cache would otherwise hold. Only Python 3.11 and 3.12 (whose
``dataclasses._create_fn`` this mirrors) are served; elsewhere ``install`` does nothing.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["install", "save"]

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
_cache: dict[str, Any] = {}
_dirty = False
_path = ""
#: Made on their first call: most runs of a verb never compare, hash or print its objects.
_DEFERRED = frozenset(("__repr__", "__eq__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__"))


def cache_path(scope: str) -> str:
    """The cache file of ``scope`` (a verb name: letters, digits, ``-`` and ``_``)."""
    if not scope.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"bad dataclass cache scope {scope!r}")
    return os.path.join(_DIR, f"dataclass-code.{scope}.{sys.implementation.cache_tag}.marshal")


def install(scope: str = "default") -> None:
    """Route ``dataclasses``' function compilation through ``scope``'s cache (idempotent:
    the first call chooses the scope)."""
    global _path
    import dataclasses

    original = getattr(dataclasses, "_create_fn", None)
    if original is None or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    if getattr(original, "__pallet_cached__", False):
        return
    _path = cache_path(scope)
    try:
        with open(_path, "rb") as fh:
            loaded = marshal.load(fh)
        if isinstance(loaded, dict):
            _cache.update(loaded)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    missing = dataclasses.MISSING

    def _create_fn(
        name: str,
        args: list[str],
        body: list[str],
        *,
        globals: Any = None,
        locals: dict[str, Any] | None = None,
        return_type: Any = missing,
    ) -> Any:
        # the text is built exactly as dataclasses._create_fn builds it
        global _dirty
        if locals is None:
            locals = {}
        return_annotation = ""
        if return_type is not missing:
            locals["_return_type"] = return_type
            return_annotation = "->_return_type"
        joined = ",".join(args)
        text = "\n".join(f"  {b}" for b in body)
        txt = f" def {name}({joined}){return_annotation}:\n{text}"
        txt = f"def __create_fn__({', '.join(locals.keys())}):\n{txt}\n return {name}"
        code = _cache.get(txt)
        if code is None:
            code = _cache[txt] = compile(txt, "<string>", "exec")
            _dirty = True
        ns: dict[str, Any] = {}
        exec(code, globals, ns)
        return ns["__create_fn__"](**locals)

    def _create_fn_or_defer(
        name: str,
        args: list[str],
        body: list[str],
        *,
        globals: Any = None,
        locals: dict[str, Any] | None = None,
        return_type: Any = missing,
    ) -> Any:
        if name not in _DEFERRED:
            return _create_fn(
                name, args, body, globals=globals, locals=locals, return_type=return_type
            )
        made: list[Any] = []

        def deferred(*a: Any, **k: Any) -> Any:
            if not made:
                made.append(
                    _create_fn(
                        name, args, body, globals=globals, locals=locals, return_type=return_type
                    )
                )
            return made[0](*a, **k)

        deferred.__name__ = name
        return deferred

    _create_fn_or_defer.__pallet_cached__ = True  # type: ignore[attr-defined]
    dataclasses._create_fn = _create_fn_or_defer  # type: ignore[attr-defined]


def save() -> None:
    """Write the cache if this process compiled anything new (atomically; errors ignored)."""
    global _dirty
    if not _dirty or not _path:
        return
    _dirty = False
    tmp = f"{_path}.{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(tmp, "wb") as fh:
            marshal.dump(_cache, fh)
        os.replace(tmp, _path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
