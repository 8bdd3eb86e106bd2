"""Builds tar archives member by member for the archive tests, hostile ones included."""

from __future__ import annotations

import io
import tarfile


class TarMaker:
    """Collects members and returns the archive bytes; PAX format unless told otherwise."""

    def __init__(self, fmt: int = tarfile.PAX_FORMAT) -> None:
        self._buf = io.BytesIO()
        self._tar = tarfile.open(fileobj=self._buf, mode="w", format=fmt)  # noqa: SIM115

    def _add(self, info: tarfile.TarInfo, data: bytes | None = None, **attrs: object) -> TarMaker:
        info.mtime = 1_600_000_000
        for key, value in attrs.items():
            setattr(info, key, value)
        self._tar.addfile(info, io.BytesIO(data) if data is not None else None)
        return self

    def file(self, name: str, data: bytes = b"", **attrs: object) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        return self._add(info, data, **attrs)

    def dir(self, name: str, **attrs: object) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        return self._add(info, None, **attrs)

    def symlink(self, name: str, target: str, **attrs: object) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
        return self._add(info, None, **attrs)

    def hardlink(self, name: str, target: str, **attrs: object) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = tarfile.LNKTYPE, target
        return self._add(info, None, **attrs)

    def device(self, name: str, major: int, minor: int, *, block: bool = False) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type = tarfile.BLKTYPE if block else tarfile.CHRTYPE
        info.devmajor, info.devminor, info.mode = major, minor, 0o666
        return self._add(info)

    def fifo(self, name: str) -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type, info.mode = tarfile.FIFOTYPE, 0o600
        return self._add(info)

    def raw(self, name: str, typeflag: bytes, data: bytes = b"") -> TarMaker:
        info = tarfile.TarInfo(name)
        info.type, info.size = typeflag, len(data)
        return self._add(info, data)

    def bytes(self) -> bytes:
        self._tar.close()
        return self._buf.getvalue()
