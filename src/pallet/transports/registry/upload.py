"""Blob uploads: HEAD first, cross-repository mount, then a monolithic PUT or PATCH chunks.

Every step follows the ``Location`` the registry gave last (it may be relative, and may
already carry a query such as ``?_state=…``). A failed upload is retried from the start (the
HEAD), at most ``RegistryOptions.retries`` times, when the failure is temporary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import BinaryIO
from urllib.parse import urlencode

from pallet.errors import RegistryError
from pallet.oci.descriptor import Descriptor
from pallet.transports.registry.auth import pull_scope, push_scope
from pallet.transports.registry.client import RegistryClient
from pallet.transports.registry.http import Response, add_query, resolve_location
from pallet.transports.registry.options import NullProgress, Progress

__all__ = ["upload_blob"]

Opener = Callable[[], BinaryIO]
_OCTET = "application/octet-stream"


class _Counting:
    """A read-only stream reporting progress as http.client reads it."""

    def __init__(self, raw: BinaryIO, report: Callable[[int], None]) -> None:
        self._raw = raw
        self._report = report
        self._done = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._done += len(data)
        self._report(self._done)
        return data

    def close(self) -> None:
        self._raw.close()


def _location(resp: Response, what: str) -> str:
    loc = resp.header("Location")
    resp.drain()
    if not loc:
        raise RegistryError(f"{what}: the registry gave no upload Location")
    return resolve_location(resp.url, loc)


def _start(
    client: RegistryClient, repo: str, desc: Descriptor, mount_from: Sequence[str]
) -> str | None:
    """Begin an upload session; None when a mount made the blob appear."""
    ctx = f"uploading blob {desc.digest} to {client.host}/{repo}"
    for source in mount_from:
        if source == repo:
            continue
        query = urlencode({"mount": desc.digest, "from": source})
        resp = client.request(
            "POST",
            f"/v2/{repo}/blobs/uploads/?{query}",
            scopes=(push_scope(repo), pull_scope(source)),
            ok=(201, 202),
            headers={"Content-Length": "0"},
            body=b"",
            context=ctx,
            retry=False,
        )
        if resp.status == 201:
            resp.drain()
            return None
        return _location(resp, ctx)  # 202: not mountable, but a session was opened for us
    resp = client.request(
        "POST",
        f"/v2/{repo}/blobs/uploads/",
        scopes=(push_scope(repo),),
        headers={"Content-Length": "0"},
        body=b"",
        ok=(202,),
        context=ctx,
        retry=False,
    )
    return _location(resp, ctx)


def _put(
    client: RegistryClient,
    repo: str,
    url: str,
    desc: Descriptor,
    opener: Opener,
    report: Callable[[int], None],
) -> None:
    resp = client.request(
        "PUT",
        add_query(url, digest=desc.digest),
        scopes=(push_scope(repo),),
        body=lambda: _Counting(opener(), report),  # type: ignore[arg-type,return-value]
        headers={"Content-Type": _OCTET, "Content-Length": str(desc.size)},
        ok=(201, 204),
        context=f"uploading blob {desc.digest} to {client.host}/{repo}",
        retry=False,
    )
    resp.drain()


def _chunked(
    client: RegistryClient,
    repo: str,
    url: str,
    desc: Descriptor,
    opener: Opener,
    chunk_size: int,
    report: Callable[[int], None],
) -> None:
    ctx = f"uploading blob {desc.digest} to {client.host}/{repo}"
    done = 0
    with opener() as src:
        while chunk := src.read(chunk_size):
            resp = client.request(
                "PATCH",
                url,
                scopes=(push_scope(repo),),
                body=chunk,
                ok=(202, 204),
                headers={
                    "Content-Type": _OCTET,
                    "Content-Length": str(len(chunk)),
                    "Content-Range": f"{done}-{done + len(chunk) - 1}",
                },
                context=ctx,
                retry=False,
            )
            url = _location(resp, ctx)
            done += len(chunk)
            report(done)
    resp = client.request(
        "PUT",
        add_query(url, digest=desc.digest),
        scopes=(push_scope(repo),),
        body=b"",
        headers={"Content-Length": "0"},
        ok=(201, 204),
        context=ctx,
        retry=False,
    )
    resp.drain()


def upload_blob(
    client: RegistryClient,
    repo: str,
    desc: Descriptor,
    opener: Opener,
    *,
    mount_from: Sequence[str] = (),
    chunk_size: int = 0,
    progress: Progress | None = None,
) -> str:
    """Make ``desc`` exist in ``repo``; return ``"exists"``, ``"mounted"`` or ``"done"``."""
    prog = progress or NullProgress()
    prog.started(desc.digest, desc.size)
    attempt = 0
    while True:
        try:
            if client.blob_size(repo, desc.digest, push_scope(repo)) is not None:
                status = "exists"
                break
            url = _start(client, repo, desc, mount_from)
            if url is None:
                status = "mounted"
                break
            report = lambda n: prog.advanced(desc.digest, n)  # noqa: E731
            if chunk_size and desc.size > chunk_size:
                _chunked(client, repo, url, desc, opener, chunk_size, report)
            else:
                _put(client, repo, url, desc, opener, report)
            status = "done"
            break
        except RegistryError as exc:
            if not exc.temporary or attempt >= client.opts.retries:
                raise
            client._sleep(attempt)
            attempt += 1
    prog.finished(desc.digest, status)
    return status
