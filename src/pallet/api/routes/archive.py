"""``GET|HEAD|PUT /containers/{id}/archive?path=...``: what ``docker cp`` and docker-py's
``get_archive``/``put_archive`` use. The path's stat travels in ``X-Docker-Container-Path-Stat``
(base64 JSON: name, size, Go's FileMode bits, mtime, link target)."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import time
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.errors import NotFound

if TYPE_CHECKING:
    from pallet.api.service import Service

# Go's os.FileMode type bits
_GO_DIR = 1 << 31
_GO_SYMLINK = 1 << 27
_GO_DEVICE = 1 << 26
_GO_PIPE = 1 << 25
_GO_SOCKET = 1 << 24
_GO_SETUID = 1 << 23
_GO_SETGID = 1 << 22
_GO_CHARDEV = 1 << 21
_GO_STICKY = 1 << 20


def _go_mode(mode: int) -> int:
    out = mode & 0o777
    kinds = (
        (stat.S_ISDIR, _GO_DIR),
        (stat.S_ISLNK, _GO_SYMLINK),
        (stat.S_ISFIFO, _GO_PIPE),
        (stat.S_ISSOCK, _GO_SOCKET),
        (stat.S_ISBLK, _GO_DEVICE),
        (stat.S_ISCHR, _GO_DEVICE | _GO_CHARDEV),
    )
    for test, bit in kinds:
        if test(mode):
            out |= bit
    for flag, bit in ((stat.S_ISUID, _GO_SETUID), (stat.S_ISGID, _GO_SETGID)):
        if mode & flag:
            out |= bit
    if mode & stat.S_ISVTX:
        out |= _GO_STICKY
    return out


def _path(req: Request) -> str:
    path = req.arg("path")
    if not path:
        raise HTTPError(400, "bad parameter: path cannot be empty")
    return path if path.startswith("/") else "/" + path


def _stat_header(rootfs: str, path: str, host: str) -> str:
    st = os.lstat(host)
    link = ""
    if stat.S_ISLNK(st.st_mode):
        link = os.readlink(host)
    name = os.path.basename(path.rstrip("/")) or "/"
    obj: dict[str, Any] = {
        "name": name,
        "size": st.st_size,
        "mode": _go_mode(st.st_mode),
        "mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(st.st_mtime)),
        "linkTarget": link,
    }
    return base64.b64encode(json.dumps(obj).encode()).decode()


def _resolve(rootfs: str, path: str, container: str) -> str:
    from pallet.engine.container_cp import resolve_in_root

    host = resolve_in_root(rootfs, path, follow_last=path.endswith(("/", "/.")))
    if not os.path.lexists(host):
        raise NotFound(f"Could not find the file {path} in container {container}")
    return host


@route("HEAD", "/containers/{id}/archive")
def head(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_cp import mounted_rootfs
    from pallet.engine.containers import resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    path = _path(req)
    with mounted_rootfs(engine, rec) as rootfs:
        host = _resolve(str(rootfs), path, req.params["id"])
        header = _stat_header(str(rootfs), path, host)
    resp.send(200, b"", "application/json", X_Docker_Container_Path_Stat=header)


class _Chunks(io.RawIOBase):
    def __init__(self, resp: Response) -> None:
        self.resp = resp

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.resp.write(bytes(data))
        return len(data)


@route("GET", "/containers/{id}/archive")
def get(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_cp import mounted_rootfs, write_tar
    from pallet.engine.containers import resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    path = _path(req)
    with mounted_rootfs(engine, rec) as rootfs:
        host = _resolve(str(rootfs), path, req.params["id"])
        header = _stat_header(str(rootfs), path, host)
        name = "." if path.endswith("/.") else (os.path.basename(path.rstrip("/")) or ".")
        resp.base = {**resp.base, "X-Docker-Container-Path-Stat": header}
        resp.stream(200, "application/x-tar")
        with io.BufferedWriter(_Chunks(resp), 1 << 20) as out:
            write_tar(host, name, out)
        resp.end()


@route("PUT", "/containers/{id}/archive")
def put(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.container_cp import copy_to_container
    from pallet.engine.containers import resolve_container

    engine = svc.engine()
    rec = resolve_container(engine, req.params["id"])
    path = _path(req)
    copy_to_container(engine, rec.id, io.BufferedReader(req.body, 1 << 20), path)
    resp.send(200)
