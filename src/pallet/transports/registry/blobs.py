"""Blob downloads, verified while they stream and resumed with Range when cut.

``BlobReader`` hashes bytes as they pass and counts them against the descriptor's size. If the
connection drops (or ends early) it asks again from the last byte received with
``Range: bytes=N-`` (at most ``retries`` times), so the hash continues over exactly the bytes
handed out. The read that would hand out the final bytes first checks the digest: on a mismatch
it raises DigestMismatch instead, so a consumer never sees a blob's end unless it verified.
``fetch_blob`` drives a reader into a ``BlobSink`` and commits it only then.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Callable

from pallet.errors import DigestMismatch, RegistryError
from pallet.oci.descriptor import Descriptor
from pallet.oci.digest import Digest
from pallet.transports.registry.client import RegistryClient
from pallet.transports.registry.http import Response
from pallet.transports.registry.options import BlobSink, NullProgress, Progress

__all__ = ["BlobReader", "fetch_blob"]

_CHUNK = 1 << 20


class BlobReader(io.RawIOBase):
    """A verifying, resuming stream over one blob of one repository."""

    def __init__(
        self,
        client: RegistryClient,
        repo: str,
        digest: str,
        size: int = -1,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self._client = client
        self._repo = repo
        self._digest = Digest.parse(digest)
        self._hash = self._digest.hasher()
        self._size = size
        self._offset = 0
        self._resp: Response | None = None
        self._resumes = 0
        self._done = False
        self._on_progress = on_progress

    @property
    def offset(self) -> int:
        """Bytes handed out (and hashed) so far."""
        return self._offset

    def readable(self) -> bool:
        return True

    def _open(self) -> Response:
        resp = self._client.open_blob(self._repo, str(self._digest), self._offset)
        if self._offset and resp.status == 200:  # the server ignored Range: skip what we have
            skip = self._offset
            while skip:
                data = resp.read(min(skip, _CHUNK))
                if not data:
                    raise ConnectionResetError("blob ended while skipping to the resume point")
                skip -= len(data)
        elif self._offset:
            start = resp.header("Content-Range").removeprefix("bytes ").split("-", 1)[0]
            if start != str(self._offset):
                resp.close()
                raise RegistryError(
                    f"registry answered Range {self._offset}- with {resp.header('Content-Range')!r}"
                )
        return resp

    def _interrupted(self, why: object) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None
        if self._resumes >= self._client.opts.retries:
            raise RegistryError(
                f"fetching blob {self._digest}: connection lost after {self._offset} bytes "
                f"({why}); gave up after {self._resumes} resumes",
                temporary=True,
            )
        self._resumes += 1
        self._client._sleep(self._resumes - 1)

    def readinto(self, buf: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._done:
            return 0
        want = len(buf)
        if self._size >= 0:
            want = min(want, self._size - self._offset)
        while True:
            try:
                if self._resp is None:
                    self._resp = self._open()
                data = self._resp.read(want) if want else b""
            except (OSError, http.client.HTTPException) as exc:
                self._interrupted(exc)
                continue
            if not data and self._size >= 0 and self._offset < self._size:
                self._interrupted("short read")
                continue
            break
        self._hash.update(data)
        end = self._offset + len(data)
        if not data or end == self._size:
            self._finish(end)
        self._offset = end
        n = len(data)
        buf[:n] = data
        if self._on_progress is not None and n:
            self._on_progress(end)
        return n

    def _finish(self, total: int) -> None:
        self._done = True
        if self._resp is not None:
            self._resp.close()  # the connection is pooled only if nothing extra followed
            self._resp = None
        actual = f"{self._digest.algorithm}:{self._hash.hexdigest()}"
        if actual != str(self._digest):
            raise DigestMismatch(str(self._digest), actual)
        if self._size >= 0 and total != self._size:
            raise DigestMismatch(f"{self._digest} ({self._size} bytes)", f"{total} bytes")

    def close(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None
        super().close()


def fetch_blob(
    client: RegistryClient,
    repo: str,
    desc: Descriptor,
    sink: BlobSink,
    progress: Progress | None = None,
) -> None:
    """Download ``desc`` from ``repo`` into ``sink``: commit when verified, abort otherwise."""
    prog = progress or NullProgress()
    prog.started(desc.digest, desc.size)
    reader = BlobReader(
        client, repo, desc.digest, desc.size, lambda done: prog.advanced(desc.digest, done)
    )
    try:
        with reader:
            while chunk := reader.read(_CHUNK):
                sink.write(chunk)
    except BaseException:
        sink.abort()
        raise
    sink.commit()
    prog.finished(desc.digest, "done")
