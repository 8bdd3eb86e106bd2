"""Tar headers parsed straight from their 512-byte blocks: ustar, GNU and pax.

:mod:`tarfile` builds a ``TarInfo`` with a dozen decoded fields, a pax dictionary and a checksum
pass for every member; a layer has thousands of members. Here a header is parsed with byte
slicing into a slotted :class:`Header` holding only what extraction uses. Semantics follow
:mod:`tarfile` and Go's ``archive/tar`` (which wrote most layers): numbers are octal or
base-256, ``ustar`` names have a prefix field, GNU ``L``/``K`` members carry long names and link
names, pax ``x`` records override the next header and ``g`` records every later one, and GNU
sparse files come in the old GNU form (type ``S``) and the pax forms 0.0, 0.1 and 1.0.
"""

from __future__ import annotations

from pallet.errors import InvalidArchive

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)

REGULAR_TYPES = frozenset((b"0", b"\0", b"7"))
"""Regular files: ``0``, the pre-POSIX NUL and ``7`` (contiguous file), as tarfile reads them."""
HARDLINK, SYMLINK, CHARDEV, BLOCKDEV, DIRECTORY, FIFO = b"1", b"2", b"3", b"4", b"5", b"6"
GNU_SPARSE = b"S"
HEADER_ONLY_TYPES = frozenset((HARDLINK, SYMLINK, CHARDEV, BLOCKDEV, DIRECTORY, FIFO))
"""Types whose size field is ignored: they have no data blocks."""
GNU_LONGNAME, GNU_LONGLINK, PAX_LOCAL, PAX_GLOBAL = b"L", b"K", b"x", b"g"
META_TYPES = frozenset((GNU_LONGNAME, GNU_LONGLINK, PAX_LOCAL, PAX_GLOBAL))
"""Members that describe the next member rather than being one."""
MAX_META_SIZE = 1 << 20
"""More long-name, pax and sparse-map bytes than this for one member are refused rather than
held in memory (and so are more global pax records)."""

_USTAR_MAGIC = b"ustar\x00"
_XATTR = "SCHILY.xattr."
_SPARSE_KEYS = ("GNU.sparse.map", "GNU.sparse.size", "GNU.sparse.major")


class BadHeader(Exception):
    """A header block that does not parse (bad checksum, a non-number in a number field)."""


class Header:
    """One member as extraction needs it (names decoded as UTF-8 with surrogateescape)."""

    __slots__ = (
        "devmajor",
        "devminor",
        "gid",
        "linkname",
        "mode",
        "mtime_ns",
        "name",
        "realsize",
        "size",
        "sparse",
        "sparse_map_in_data",
        "type",
        "uid",
        "xattrs",
    )

    def __init__(self) -> None:
        self.name = self.linkname = ""
        self.type = b"0"
        self.mode = self.uid = self.gid = self.devmajor = self.devminor = 0
        self.mtime_ns = 0
        self.size = 0
        """Bytes of data that follow the header in the archive (0 for header-only types)."""
        self.realsize = 0
        """The file's length: ``size``, or for a sparse file its length with the holes."""
        self.sparse: list[tuple[int, int]] | None = None
        """(offset, length) of the data regions of a sparse file; None for a dense one."""
        self.sparse_map_in_data = False
        """pax sparse 1.0: the region map comes first in the data blocks (the reader takes it)."""
        self.xattrs: list[tuple[str, bytes]] = []

    def is_file(self) -> bool:
        """A regular file stored densely: its data is its content."""
        return self.type in REGULAR_TYPES and self.sparse is None

    def is_link(self) -> bool:
        """A symbolic or hard link (``linkname`` is its target)."""
        return self.type in (SYMLINK, HARDLINK)


def number(field: bytes) -> int:
    """A numeric header field: octal ASCII, or base-256 when the first byte's top bit is set."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return value - 256 ** (len(field) - 1) if field[0] == 0xFF else value
    digits = field.partition(b"\0")[0].strip()
    try:
        return int(digits, 8) if digits else 0
    except ValueError:
        raise BadHeader from None


def text(field: bytes) -> str:
    """A NUL-terminated string field."""
    return field.partition(b"\0")[0].decode("utf-8", "surrogateescape")


def checksum_ok(block: bytes) -> bool:
    """True when the stored checksum matches (as unsigned bytes, or signed as old tars did)."""
    stored = number(block[148:156])
    unsigned = sum(block) - sum(block[148:156]) + 256  # the field itself counts as 8 spaces
    if stored == unsigned:
        return True
    high = sum(1 for b in block[:148] if b > 127) + sum(1 for b in block[156:] if b > 127)
    return stored == unsigned - 256 * high


def meta_size(block: bytes) -> int:
    """The data size of a long-name or pax header block (nothing else of it matters)."""
    if not checksum_ok(block):
        raise BadHeader
    size = number(block[124:136])
    if size < 0:
        raise BadHeader
    return size


def parse_block(block: bytes) -> Header:
    """The fields of one header block; raises BadHeader."""
    if not checksum_ok(block):
        raise BadHeader
    h = Header()
    h.type = block[156:157]
    name = text(block[0:100])
    if block[257:263] == _USTAR_MAGIC and block[345] != 0:
        name = text(block[345:500]) + "/" + name
    h.name = name
    h.linkname = text(block[157:257])
    h.mode = number(block[100:108])
    h.uid = number(block[108:116])
    h.gid = number(block[116:124])
    h.size = h.realsize = number(block[124:136])
    h.mtime_ns = number(block[136:148]) * 1_000_000_000
    if h.type in (CHARDEV, BLOCKDEV):
        h.devmajor = number(block[329:337])
        h.devminor = number(block[337:345])
    if h.size < 0 or h.uid < 0 or h.gid < 0:
        raise BadHeader
    return h


def pax_records(data: bytes) -> list[tuple[str, bytes]]:
    """The ``LENGTH KEY=VALUE\\n`` records of a pax header member, in order; raises BadHeader."""
    records: list[tuple[str, bytes]] = []
    pos, end = 0, len(data)
    while pos < end and data[pos] != 0:
        space = data.find(b" ", pos, pos + 20)
        try:
            length = int(data[pos:space]) if space > pos else 0
        except ValueError:
            length = 0
        equals = data.find(b"=", space, pos + length)
        if length <= 0 or pos + length > end or equals < 0:
            raise BadHeader
        key = data[space + 1 : equals].decode("utf-8", "surrogateescape")
        records.append((key, data[equals + 1 : pos + length - 1]))
        pos += length
    return records


def apply_pax(h: Header, records: list[tuple[str, bytes]]) -> None:
    """Override ``h``'s fields with pax records (global ones first, then the member's own)."""
    sparse_offsets: list[int] = []
    sparse_lengths: list[int] = []
    sparse_keys: dict[str, bytes] = {}
    for key, value in records:
        if key.startswith(_XATTR):
            h.xattrs.append((key[len(_XATTR) :], value))
        elif key == "path":
            h.name = value.decode("utf-8", "surrogateescape")
        elif key == "linkpath":
            h.linkname = value.decode("utf-8", "surrogateescape")
        elif key == "mtime":
            h.mtime_ns = _time_ns(value, h.mtime_ns)
        elif key in ("size", "uid", "gid"):
            n = _decimal(value)
            if key == "size":
                h.size = h.realsize = n
            else:
                setattr(h, key, n)
        elif key == "GNU.sparse.offset":
            sparse_offsets.append(_decimal(value))
        elif key == "GNU.sparse.numbytes":
            sparse_lengths.append(_decimal(value))
        elif key.startswith("GNU.sparse."):
            sparse_keys[key] = value
    if any(k in sparse_keys for k in _SPARSE_KEYS):
        _apply_pax_sparse(h, sparse_keys, list(zip(sparse_offsets, sparse_lengths, strict=False)))


def _apply_pax_sparse(h: Header, keys: dict[str, bytes], pairs: list[tuple[int, int]]) -> None:
    if "GNU.sparse.name" in keys:
        h.name = keys["GNU.sparse.name"].decode("utf-8", "surrogateescape")
    if "GNU.sparse.map" in keys:  # 0.1
        numbers = [_decimal(x) for x in keys["GNU.sparse.map"].split(b",") if x]
        h.sparse = list(zip(numbers[::2], numbers[1::2], strict=False))
    elif "GNU.sparse.size" in keys:  # 0.0
        h.sparse = pairs
    elif keys.get("GNU.sparse.major") == b"1" and keys.get("GNU.sparse.minor") == b"0":
        h.sparse = []
        h.sparse_map_in_data = True
    else:
        raise InvalidArchive(f"member {h.name!r}: unknown GNU sparse format")
    for key in ("GNU.sparse.size", "GNU.sparse.realsize"):
        if key in keys:
            h.realsize = _decimal(keys[key])


def old_gnu_sparse(h: Header, block: bytes) -> bool:
    """Regions of a type ``S`` header; True when extension blocks with more regions follow."""
    h.sparse = []
    add_regions(h, block[386:482], 4)
    h.realsize = number(block[483:495])
    if h.realsize < 0:
        raise BadHeader("negative sparse file size")
    return block[482] != 0


def add_regions(h: Header, data: bytes, count: int) -> None:
    """Append the (offset, length) pairs of an old GNU sparse map (12-byte octal fields)."""
    assert h.sparse is not None
    for i in range(0, count * 24, 24):
        offset, length = number(data[i : i + 12]), number(data[i + 12 : i + 24])
        if offset < 0 or length < 0:
            raise BadHeader
        if length:
            h.sparse.append((offset, length))


def _decimal(value: bytes) -> int:
    try:
        n = int(value)
    except ValueError:
        raise BadHeader from None
    if n < 0:
        raise BadHeader
    return n


def _time_ns(value: bytes, default: int) -> int:
    """A pax time (``SECONDS[.FRACTION]``, maybe negative) in nanoseconds, exactly."""
    sign = -1 if value.startswith(b"-") else 1
    whole, _, frac = value.lstrip(b"+-").partition(b".")
    if not (whole.isdigit() or (not whole and frac)) or (frac and not frac.isdigit()):
        return default  # as tarfile and Go, a bad time is not worth refusing the layer
    return sign * (int(whole or b"0") * 1_000_000_000 + int((frac + b"000000000")[:9]))
