"""A cache of the code ``dataclasses`` compiles for pallet's classes, kept between runs.

Decorating a dataclass builds source text for ``__init__``, ``__repr__``, ``__eq__``, … and
compiles it with ``exec``: about 0.9 ms a class, some 20 ms of ``pallet run``'s start-up. The
compiled code depends on nothing but that text, so the CLI keeps it, marshalled, beside each
module's own bytecode (``__pycache__/MODULE.dataclass-N.TAG.marshal``) and reuses it; the
functions made from it are the same as without the cache. A process reads the files of the
modules it imports and nothing else, and a module's file is rewritten with exactly the code
its classes use now whenever something had to be compiled (after an edit), so files never
gather stale code.

``__repr__``, ``__eq__``, ``__hash__`` and the ordering methods are made only when first called
(a small stand-in compiles the real one then): most runs never call them, and their code is
half of what the cache would otherwise hold.

Only Python 3.11 and 3.12 (whose ``dataclasses._create_fn`` this mirrors) are served;
elsewhere ``install`` does nothing. Classes outside ``pallet`` are compiled as usual.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


__all__ = ["cache_path", "install", "save"]

#: In the file name: code kept by an older pallet is never read.
_FORMAT = "-2"
#: Made on their first call: most runs never compare, hash or print their objects.
_DEFERRED = frozenset(("__repr__", "__eq__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__"))


class _ModuleCache:
    __slots__ = ("dirty", "loaded", "path", "used")

    def __init__(self, path: str) -> None:
        self.path = path
        self.loaded: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False
        try:
            with open(path, "rb") as fh:
                data = marshal.loads(fh.read())
            if isinstance(data, dict):
                self.loaded = data
        except (OSError, EOFError, ValueError, TypeError):
            pass


_modules: dict[str, _ModuleCache | None] = {}
_packages: tuple[str, ...] = ("pallet.",)


def cache_path(module_file: str) -> str:
    """Where the dataclass code of the module in ``module_file`` is kept."""
    folder, name = os.path.split(module_file)
    stem = name.rpartition(".")[0] or name
    return os.path.join(
        folder, "__pycache__", f"{stem}.dataclass{_FORMAT}.{sys.implementation.cache_tag}.marshal"
    )


def _module_cache(globals: Any) -> _ModuleCache | None:
    name = globals.get("__name__", "") if isinstance(globals, dict) else ""
    if name in _modules:
        return _modules[name]
    file = globals.get("__file__") if name.startswith(_packages) else None
    cache = _ModuleCache(cache_path(file)) if isinstance(file, str) else None
    _modules[name] = cache
    return cache


def install(packages: tuple[str, ...] = ("pallet",)) -> None:
    """Route ``dataclasses``' function compilation through the cache, for the classes of
    modules in ``packages`` (idempotent: the first call chooses)."""
    global _packages
    import dataclasses

    original = getattr(dataclasses, "_create_fn", None)
    if original is None or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    if getattr(original, "__pallet_cached__", False):
        return
    _packages = tuple(f"{p}." for p in packages)
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
        cache = _module_cache(globals)
        code = None
        if cache is not None:
            code = cache.used.get(txt) or cache.loaded.get(txt)
        if code is None:
            # not this module's ``from __future__ import annotations``: as dataclasses compiles
            code = compile(txt, "<string>", "exec", dont_inherit=True)
            if cache is not None:
                cache.dirty = True
        if cache is not None:
            cache.used[txt] = code
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
    """Rewrite the files of modules that had code compiled (atomically; errors ignored).

    A module's classes are all made when it is imported, so what it used in this process is
    its whole current code (deferred methods never called here are compiled again once)."""
    for cache in _modules.values():
        if cache is None or not cache.dirty:
            continue
        cache.dirty = False
        tmp = f"{cache.path}.{os.getpid()}"
        try:
            os.makedirs(os.path.dirname(cache.path), exist_ok=True)
            with open(tmp, "wb") as fh:
                marshal.dump(cache.used, fh)
            os.replace(tmp, cache.path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
