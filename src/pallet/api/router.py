"""Routing: the ``/vX.Y`` prefix and version negotiation, path patterns, and the mapping of
pallet's errors to Docker's status codes and ``{"message": ...}`` bodies."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pallet.api.http import HTTPError, Request, Response
from pallet.errors import PalletError

if TYPE_CHECKING:
    from pallet.api.service import Service

__all__ = [
    "API_VERSION",
    "MIN_API_VERSION",
    "Handler",
    "Router",
    "error_status",
    "route",
]

#: The newest Engine API version served (Docker Engine 25.0); clients negotiate down to it.
API_VERSION = "1.44"
#: The oldest one accepted, as dockerd.
MIN_API_VERSION = "1.24"

Handler = Callable[["Request", "Response", "Service"], None]

_VERSION_RE = re.compile(r"^/v(\d+)\.(\d+)(/.*)$")
_TABLE: list[tuple[str, str, Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``METHOD /path/{name}/...`` (``{name}`` matches one segment,
    ``{name:path}`` the rest of the path)."""

    def deco(fn: Handler) -> Handler:
        _TABLE.append((method, pattern, fn))
        return fn

    return deco


def _compile(pattern: str) -> re.Pattern[str]:
    out = "^"
    for part in re.split(r"(\{[a-z_]+(?::path)?\})", pattern):
        if part.startswith("{"):
            name, _, kind = part[1:-1].partition(":")
            out += f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + "$")


def _version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def error_status(exc: BaseException) -> tuple[int, str]:
    """Docker's status code and message for an exception a handler raised."""
    if isinstance(exc, HTTPError):
        return exc.status, exc.message
    if isinstance(exc, PalletError):
        return exc.http_status, str(exc)
    return 500, f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler


class Router:
    """Every registered route; ``dispatch`` answers one request, errors included."""

    def __init__(self) -> None:
        import pallet.api.routes  # noqa: F401 - registers the routes

        self.routes = [_Route(m, _compile(p), h) for m, p, h in _TABLE]

    def dispatch(self, req: Request, resp: Response, svc: Service) -> None:
        try:
            self._dispatch(req, resp, svc)
        except (BrokenPipeError, ConnectionResetError):
            resp.keep_alive = False
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            status, message = error_status(exc)
            if status >= 500 and not isinstance(exc, PalletError):
                svc.log(traceback.format_exc())
            if resp.hijacked:  # raw or multiplexed bytes: no place for a message, only close
                resp.keep_alive = False
                return
            if resp.started:  # a streamed response: report in-band, then close
                resp.keep_alive = False
                try:
                    resp.write_json({"errorDetail": {"message": message}, "error": message})
                    resp.end()
                except OSError:
                    pass
                return
            resp.json({"message": message}, status)

    def _dispatch(self, req: Request, resp: Response, svc: Service) -> None:
        path = req.path
        m = _VERSION_RE.match(path)
        if m:
            version = (int(m.group(1)), int(m.group(2)))
            path = m.group(3)
            if version > _version_tuple(API_VERSION):
                raise HTTPError(
                    400,
                    f"client version {m.group(1)}.{m.group(2)} is too new. Maximum supported "
                    f"API version is {API_VERSION}",
                )
            if version < _version_tuple(MIN_API_VERSION):
                raise HTTPError(
                    400,
                    f"client version {m.group(1)}.{m.group(2)} is too old. Minimum supported "
                    f"API version is {MIN_API_VERSION}, please upgrade your client to a newer "
                    "version",
                )
            req.version = f"{version[0]}.{version[1]}"
        else:
            req.version = API_VERSION
        req.path = path.rstrip("/") or "/"
        if req.method == "HEAD":
            resp.head_only = True
        for methods in ((req.method,), ("GET",) if req.method == "HEAD" else ()):
            for r in self.routes:
                if r.method not in methods:
                    continue
                hit = r.regex.match(req.path)
                if hit:
                    req.params = hit.groupdict()
                    r.handler(req, resp, svc)
                    return
        raise HTTPError(404, "page not found")
