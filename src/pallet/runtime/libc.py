"""The few libc calls pallet makes that Python's ``os`` lacks: mount(2), umount2(2), prctl(2).

Made through ``_ctypes`` (the C half of ``ctypes``) with one function type of its own:
``import ctypes`` costs ~3 ms of class set-up that every ``run`` would pay for three calls.
Arguments are bytes (``char *``) or ints (``int``), as ctypes passes them without argtypes.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["MNT_DETACH", "PR_SET_CHILD_SUBREAPER", "call"]

MNT_DETACH = 2
PR_SET_CHILD_SUBREAPER = 36

_functions: dict[str, Callable[..., int]] = {}


def _function(name: str) -> Callable[..., int]:
    fn = _functions.get(name)
    if fn is None:
        import _ctypes

        class Int(_ctypes._SimpleCData):  # type: ignore[type-arg]
            _type_ = "i"

        class Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
            _restype_ = Int

        class Process:  # what CFuncPtr looks symbols up in: this process's libraries
            _handle = _ctypes.dlopen(None)  # type: ignore[arg-type]

        fn = _functions[name] = Function((name, Process()))  # type: ignore[arg-type]
    return fn


def call(name: str, *args: bytes | int) -> None:
    """Call libc's ``name``; raise OSError (with errno) if it returns -1."""
    import _ctypes

    if _function(name)(*args) == -1:
        err = _ctypes.get_errno()
        raise OSError(err, os.strerror(err))
