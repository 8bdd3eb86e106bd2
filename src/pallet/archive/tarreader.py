"""A streaming tar reader with one big buffer: members' headers and data, front to back.

:mod:`tarfile`'s stream mode reads in 10 KiB records and copies member data through several
layers of Python; this reader takes 1 MiB reads from the stream and hands file data to
``os.pwrite`` as views of the buffer it read. Every short read is an error saying where the
archive was cut, as one line; a stream that ends cleanly between members is a complete archive
(as Go's ``archive/tar`` and ``tarfile`` allow), and the first all-zero header block ends it.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO

from pallet.archive import _tarheader as th
from pallet.archive._streams import CHUNK
from pallet.archive._tarheader import BLOCK, BadHeader, Header
from pallet.errors import InvalidArchive

__all__ = ["Header", "TarReader"]


class TarReader:
    """Reads the members of the tar ``stream`` (whose first bytes may already be in ``head``)."""

    def __init__(self, stream: BinaryIO, head: bytes = b"") -> None:
        self._read = stream.read
        self._buf = head
        self._view = memoryview(head)
        self._pos = 0
        self._base = 0  # stream offset of _buf[0]
        self._left = 0  # unread data bytes of the current member
        self._pad = 0  # padding after them
        self._globals: dict[str, bytes] = {}
        self._budget = 0
        self.ended = False
        """True once the end-of-archive marker (or the end of the stream) was read."""

    @property
    def offset(self) -> int:
        """How many bytes of the stream were consumed."""
        return self._base + self._pos

    def next(self) -> Header | None:
        """The next member's header (its data unread), or None at the end of the archive."""
        self.skip_data()
        if self.ended:
            return None
        longname = longlink = None
        records: list[tuple[str, bytes]] = []
        self._budget = th.MAX_META_SIZE  # for this member's long names, pax records, sparse map
        while True:
            at = self.offset
            block = self._header_block(pending=bool(longname or longlink or records))
            if block is None or block == th.ZERO_BLOCK:
                self.ended = True
                return None
            kind = block[156:157]
            if kind not in th.META_TYPES:
                try:
                    h = th.parse_block(block)
                except BadHeader:
                    raise self._bad_header(at) from None
                return self._member(h, block, at, longname, longlink, records)
            try:
                size = th.meta_size(block)
            except BadHeader:
                raise self._bad_header(at) from None
            data = self._meta_data(size, at)
            if kind == th.GNU_LONGNAME:
                longname = th.text(data)
            elif kind == th.GNU_LONGLINK:
                longlink = th.text(data)
            elif kind == th.PAX_LOCAL:
                records += self._pax(data, at)
            else:
                self._globals.update(self._pax(data, at))
                if sum(len(k) + len(v) for k, v in self._globals.items()) > th.MAX_META_SIZE:
                    raise InvalidArchive(f"tar archive has too many global pax records ({at})")

    def _member(
        self,
        h: Header,
        block: bytes,
        at: int,
        longname: str | None,
        longlink: str | None,
        records: list[tuple[str, bytes]],
    ) -> Header:
        extended = h.type == th.GNU_SPARSE and self._gnu_sparse(h, block, at)
        if self._globals or records:
            try:
                th.apply_pax(h, [*self._global_records(), *records])
            except BadHeader:
                raise self._bad_header(at) from None
        if longname is not None:  # after pax, as tarfile and Go do
            h.name = longname
        if longlink is not None:
            h.linkname = longlink
        while extended:
            ext = self._meta_data(BLOCK, at)
            try:
                th.add_regions(h, ext, 21)
            except BadHeader:
                raise self._bad_header(at) from None
            extended = ext[504] != 0
        if h.type == b"\0" and h.name.endswith("/"):
            h.type = th.DIRECTORY  # pre-POSIX tars mark directories by the slash alone
        if h.type in th.HEADER_ONLY_TYPES:
            h.size = h.realsize = 0
        self._left = h.size
        self._pad = -h.size % BLOCK
        if h.sparse_map_in_data:
            self._sparse_map(h, at)
        return h

    def _global_records(self) -> list[tuple[str, bytes]]:
        """The global pax records that apply to a member: not the ones that name one file
        (``path``, ``linkpath``, ``size``, ``GNU.sparse.*``), which Go's archive/tar (so
        docker and containerd) never applies; tarfile would put every later member there."""
        return [
            (k, v)
            for k, v in self._globals.items()
            if k not in ("path", "linkpath", "size") and not k.startswith("GNU.sparse.")
        ]

    def _gnu_sparse(self, h: Header, block: bytes, at: int) -> bool:
        try:
            return th.old_gnu_sparse(h, block)
        except BadHeader:
            raise self._bad_header(at) from None

    def _sparse_map(self, h: Header, at: int) -> None:
        """pax sparse 1.0: decimal numbers, one a line (count, then offset/length pairs),
        padded to a block, before the data. Parsed as its blocks come (linear in its size)."""
        blocks: list[bytes] = []
        numbers: list[int] = []
        want = -1  # the count line not read yet
        partial = b""
        read = 0
        while want < 0 or len(numbers) < want:
            if read + BLOCK > h.size:
                raise self._bad_header(at)
            block = self._meta_data(BLOCK, at)
            blocks.append(block)
            read += BLOCK
            *lines, partial = (partial + block).split(b"\n")
            try:
                for line in lines:
                    if want < 0:
                        want = 2 * int(line)
                    elif len(numbers) < want:
                        numbers.append(int(line))
            except ValueError:
                raise self._bad_header(at) from None
            if (want < 0 or len(numbers) < want) and len(partial) > 32:
                raise self._bad_header(at)  # no decimal number is that long
        if any(n < 0 for n in numbers):
            raise self._bad_header(at)
        h.sparse = [(o, n) for o, n in zip(numbers[::2], numbers[1::2], strict=True) if n]
        self._left -= read
        h.size = self._left

    def _pax(self, data: bytes, at: int) -> list[tuple[str, bytes]]:
        try:
            return th.pax_records(data)
        except BadHeader:
            raise self._bad_header(at) from None

    def _bad_header(self, at: int) -> InvalidArchive:
        return InvalidArchive(f"tar archive is corrupt (bad header at offset {at})")

    # --- the buffer -------------------------------------------------------------------------

    def _fill(self, need: int) -> int:
        """Make ``need`` bytes available at the position if the stream has them; return how
        many are available (fewer only at the end of the stream)."""
        have = len(self._buf) - self._pos
        if have >= need:
            return have
        parts = [self._buf[self._pos :]] if have else []
        self._base += self._pos
        while have < need:
            chunk = self._read(max(CHUNK, need - have))
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        self._buf = parts[0] if len(parts) == 1 else b"".join(parts)
        self._view = memoryview(self._buf)
        self._pos = 0
        return have

    def _header_block(self, *, pending: bool) -> bytes | None:
        at = self.offset
        have = self._fill(BLOCK)
        if have == 0 and not pending:
            return None
        if have < BLOCK:
            raise InvalidArchive(f"tar archive is truncated (in the header at offset {at})")
        block = self._buf[self._pos : self._pos + BLOCK]
        self._pos += BLOCK
        return block

    def _meta_data(self, size: int, at: int) -> bytes:
        """The data of a long-name, pax or sparse-map member, held in memory (1 MiB at most for
        one member, as Go's archive/tar allows)."""
        total = size + -size % BLOCK
        self._budget -= total
        if self._budget < 0:
            raise InvalidArchive(f"tar archive has over 1 MiB of headers for the member at {at}")
        if self._fill(total) < total:
            raise InvalidArchive(f"tar archive is truncated (in the header at offset {at})")
        data = self._buf[self._pos : self._pos + size]
        self._pos += total
        return data

    def _truncated(self) -> InvalidArchive:
        return InvalidArchive("tar archive is truncated (in file data)")

    # --- member data ------------------------------------------------------------------------

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the current member's data (all of it for -1); b"" at its end.

        With a size, a read may return fewer bytes (what the buffer holds), as a raw file does.
        """
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        if size > self._left:
            size = self._left
        if size == 0:
            return b""
        have = len(self._buf) - self._pos
        if have == 0:
            have = self._fill(1)
            if have == 0:
                raise self._truncated()
        take = min(size, have)
        whole = take == len(self._buf)  # then no copy
        data = self._buf if whole else self._buf[self._pos : self._pos + take]
        self._pos += take
        self._left -= take
        return data

    def data(self) -> BinaryIO:
        """The current member's data as a read-only file, valid until :meth:`next`."""
        return _MemberData(self)  # type: ignore[return-value]

    def write_to(self, fd: int, offset: int, size: int) -> None:
        """Write the next ``size`` data bytes to ``fd`` at ``offset``."""
        if size > self._left:
            raise InvalidArchive("tar archive is corrupt (a sparse region beyond the data)")
        self._left -= size
        end = offset + size
        while offset < end:
            have = len(self._buf) - self._pos
            if have == 0:
                have = self._fill(1)
                if have == 0:
                    raise self._truncated()
            take = min(end - offset, have)
            written = os.pwrite(fd, self._view[self._pos : self._pos + take], offset)
            self._pos += written
            offset += written

    def skip_data(self) -> None:
        """Skip what is left of the current member's data and its padding."""
        left, self._left = self._left + self._pad, 0
        self._pad = 0
        while left:
            have = len(self._buf) - self._pos
            if have == 0:
                have = self._fill(1)
                if have == 0:
                    raise self._truncated()
            take = min(left, have)
            self._pos += take
            left -= take

    def drain(self) -> None:
        """Read the stream to its end (record padding after the end marker, say)."""
        self._base += len(self._buf)
        self._buf, self._view, self._pos = b"", memoryview(b""), 0
        while chunk := self._read(CHUNK):
            self._base += len(chunk)


class _MemberData(io.RawIOBase):
    def __init__(self, reader: TarReader) -> None:
        super().__init__()
        self._reader = reader

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._reader.read(size)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._reader.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
