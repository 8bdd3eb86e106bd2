"""Reading members of a tar archive in place, and writing a tar as a stream.

Shared by the docker-archive and oci-archive transports. ``TarSource`` indexes a *seekable*
archive once and hands out readers over member bytes by offset (``os.pread``, so lazy layers can
be read from several threads without sharing a file position). A compressed archive
(``docker save | gzip``) cannot be read by offset, so it is first decompressed into an anonymous
temporary file. ``TarWriter`` writes members one by one straight to the output stream: nothing
is staged, and a member's size must be known before its bytes are written.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import tarfile
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

from pallet.archive.compression import Compression, open_decompressed, sniff
from pallet.errors import DigestMismatch, InvalidArchive

__all__ = [
    "CHUNK",
    "Progress",
    "TarSource",
    "TarWriter",
    "VerifyingReader",
    "file_reader",
    "section",
    "verified",
]

CHUNK = 1 << 20
_BLOCK = 512

Progress = Callable[[str, int, int], None]
"""Called as ``progress(what, done, total)`` while a member's bytes are written."""


class _Section(io.RawIOBase):
    """``size`` bytes of file descriptor ``fd`` from ``offset``, read with ``os.pread``."""

    def __init__(self, fd: int, offset: int, size: int, owner: object) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, offset, offset + size
        self._owner = owner  # keeps the descriptor open while a reader exists

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._end - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._pos)
        if not data:
            raise InvalidArchive("archive is truncated")
        n = len(data)
        memoryview(buffer).cast("B")[:n] = data
        self._pos += n
        return n


def section(fd: int, offset: int, size: int, owner: object) -> BinaryIO:
    """A buffered reader over part of an open file."""
    return cast(BinaryIO, io.BufferedReader(_Section(fd, offset, size, owner), CHUNK))


class TarSource:
    """The members of a tar archive on disk, by normalised name (``./`` and ``/`` stripped).

    Symlinks and hardlinks between members are followed (podman's legacy ``ID/layer.tar`` are
    symlinks). Raises InvalidArchive, worded with ``kind``, for anything that is not a readable,
    complete tar archive.
    """

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        self.kind = kind
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            raw = open(path, "rb")  # noqa: SIM115 - owned by this object, closed by finalizer
        except OSError as exc:
            raise InvalidArchive(f"invalid {kind}: {exc.strerror}: {path}") from None
        with raw:
            head = raw.read(6)
            raw.seek(0)
            plain = sniff(head) is Compression.NONE
            fd = os.dup(raw.fileno()) if plain else self._decompress(raw)
        self._fd = fd
        weakref.finalize(self, os.close, fd)
        self._index()

    def _decompress(self, raw: BinaryIO) -> int:
        tmp = tempfile.TemporaryFile()  # noqa: SIM115 - its fd is kept, the object closed
        with tmp:
            src = open_decompressed(raw)
            while chunk := src.read(CHUNK):
                tmp.write(chunk)
            tmp.flush()
            return os.dup(tmp.fileno())

    def _index(self) -> None:
        end = os.fstat(self._fd).st_size
        fobj = os.fdopen(os.dup(self._fd), "rb")
        try:
            fobj.seek(0)
            with tarfile.open(fileobj=fobj, mode="r:") as tar:
                for info in tar:
                    if info.isfile() and info.offset_data + info.size > end:
                        raise InvalidArchive(f"invalid {self.kind}: archive is truncated")
                    name = _norm(info.name)
                    if name:
                        self._members[name] = info
        except tarfile.ReadError as exc:
            if self._members:
                raise InvalidArchive(f"invalid {self.kind}: archive is truncated") from None
            raise InvalidArchive(f"invalid {self.kind}: not a tar archive ({exc})") from None
        except (tarfile.TarError, EOFError) as exc:
            raise InvalidArchive(f"invalid {self.kind}: {exc}") from None
        finally:
            fobj.close()
        if not self._members:
            raise InvalidArchive(f"invalid {self.kind}: empty archive")

    def names(self) -> list[str]:
        return list(self._members)

    def _resolve(self, name: str) -> tarfile.TarInfo | None:
        name = _norm(name)
        for _ in range(16):
            info = self._members.get(name)
            if info is None or info.isfile():
                return info
            if info.issym():
                name = posixpath.normpath(posixpath.join(posixpath.dirname(name), info.linkname))
            elif info.islnk():
                name = _norm(info.linkname)
            else:
                return None
        return None

    def exists(self, name: str) -> bool:
        return self._resolve(name) is not None

    def size(self, name: str) -> int:
        return self._info(name).size

    def _info(self, name: str) -> tarfile.TarInfo:
        info = self._resolve(name)
        if info is None:
            raise InvalidArchive(f"invalid {self.kind}: missing file {name}")
        return info

    def open(self, name: str) -> BinaryIO:
        info = self._info(name)
        return section(self._fd, info.offset_data, info.size, self)

    def read(self, name: str, limit: int = 64 << 20) -> bytes:
        """A small member's bytes (manifests, configs); refuses members over ``limit``."""
        info = self._info(name)
        if info.size > limit:
            raise InvalidArchive(f"invalid {self.kind}: {name} is too large ({info.size} bytes)")
        return os.pread(self._fd, info.size, info.offset_data)

    def head(self, name: str, size: int = 6) -> bytes:
        info = self._info(name)
        return os.pread(self._fd, min(size, info.size), info.offset_data)


def _norm(name: str) -> str:
    name = posixpath.normpath(name.lstrip("/"))
    return "" if name == "." else name.removeprefix("./")


class TarWriter:
    """Writes a tar archive member by member to a stream (PAX format, mtime 0, root-owned)."""

    def __init__(self, out: BinaryIO, progress: Progress | None = None) -> None:
        self._out = out
        self._progress = progress
        self.written: set[str] = set()

    def _header(self, info: tarfile.TarInfo) -> None:
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        self._out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        self.written.add(info.name)

    def add_dir(self, name: str) -> None:
        info = tarfile.TarInfo(name.rstrip("/"))
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        self._header(info)

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o644
        self._header(info)
        self._out.write(data)
        self._pad(len(data))

    def add_symlink(self, name: str, target: str) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
        self._header(info)

    def add_stream(self, name: str, size: int, stream: BinaryIO, what: str = "") -> None:
        """Copy exactly ``size`` bytes of ``stream``; a short or long stream is an error."""
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o644
        self._header(info)
        done = 0
        while done < size:
            chunk = stream.read(min(CHUNK, size - done))
            if not chunk:
                raise InvalidArchive(f"{what or name}: expected {size} bytes, got {done}")
            self._out.write(chunk)
            done += len(chunk)
            if self._progress is not None:
                self._progress(what or name, done, size)
        if stream.read(1):
            raise InvalidArchive(f"{what or name}: longer than its size {size}")
        self._pad(size)

    def _pad(self, size: int) -> None:
        if size % _BLOCK:
            self._out.write(b"\0" * (_BLOCK - size % _BLOCK))

    def close(self) -> None:
        """End the archive (two zero blocks, padded to tar's 10 KiB record) and flush."""
        self._out.write(b"\0" * (_BLOCK * 2))
        self._out.flush()


class VerifyingReader(io.RawIOBase):
    """Passes ``stream`` through and raises DigestMismatch at its end if the sha256 differs."""

    def __init__(self, stream: BinaryIO, digest: str, what: str = "blob") -> None:
        super().__init__()
        self._stream, self._digest, self._what = stream, digest, what
        self._hash = hashlib.sha256()
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        if data:
            self._hash.update(data)
            view[: len(data)] = data
        elif len(view) and not self._done:
            self._done = True
            actual = "sha256:" + self._hash.hexdigest()
            if self._digest.startswith("sha256:") and actual != self._digest:
                raise DigestMismatch(self._digest, actual, self._what)
        return len(data)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()


def verified(stream: BinaryIO, digest: str, what: str = "blob") -> BinaryIO:
    """``stream`` behind a buffer, checked against ``digest`` when read to its end."""
    return cast(BinaryIO, io.BufferedReader(VerifyingReader(stream, digest, what), CHUNK))


def file_reader(path: Path) -> BinaryIO:
    """Open a file for reading; a missing file is InvalidArchive, not FileNotFoundError."""
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InvalidArchive(f"{exc.strerror}: {path}") from None
