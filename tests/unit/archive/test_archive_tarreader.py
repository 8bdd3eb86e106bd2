"""TarReader: the same members as tarfile reads, the GNU and pax extensions, and broken input."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from archive_tarmaker import TarMaker

from pallet.archive import Header, TarReader, extract_layer
from pallet.errors import InvalidArchive

FORMATS = [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]
needs_gnu_tar = pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")


def read_all(data: bytes, chunk: int | None = None) -> list[tuple[Header, bytes]]:
    """Every member with its data; ``chunk`` makes the stream hand out short reads."""
    stream: io.RawIOBase | io.BytesIO = io.BytesIO(data)
    if chunk is not None:
        stream = ShortReads(data, chunk)
    reader = TarReader(stream)  # type: ignore[arg-type]
    out = []
    while (h := reader.next()) is not None:
        out.append((h, reader.read()))
    return out


class ShortReads(io.RawIOBase):
    def __init__(self, data: bytes, chunk: int) -> None:
        self._data, self._pos, self._chunk = data, 0, chunk

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        n = self._chunk if size < 0 else min(size, self._chunk)
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out


def random_archive(rng: random.Random, fmt: int) -> bytes:
    maker = TarMaker(fmt)
    long = fmt != tarfile.USTAR_FORMAT  # ustar has no room for long names
    for i in range(rng.randint(1, 25)):
        depth = rng.randint(0, 6 if long else 2)
        name = "/".join(
            f"d{rng.randint(0, 9)}" * rng.randint(1, 12 if long else 3) for _ in range(depth)
        )
        name = f"{name}/f{i}-{'ü' * rng.randint(0, 60 if long else 10)}".lstrip("/")
        kind = rng.choice(["file", "file", "dir", "symlink", "hardlink", "device", "fifo"])
        attrs: dict[str, object] = {
            "uid": rng.choice([0, 1000, 65534]),
            "gid": rng.choice([0, 50]),
            "mtime": rng.randint(0, 2_000_000_000),
        }
        if fmt == tarfile.PAX_FORMAT and rng.random() < 0.3:
            attrs["pax_headers"] = {"SCHILY.xattr.user.n": f"v{i}"}
        if kind == "file":
            maker.file(name, os.urandom(rng.choice([0, 1, 511, 512, 513, 5000, 70000])), **attrs)
        elif kind == "dir":
            maker.dir(name, **attrs)
        elif kind in ("symlink", "hardlink"):
            parts = rng.randint(1, 3) if long else 1
            target = "/".join(f"t{rng.randint(0, 9)}" * (30 if long else 3) for _ in range(parts))
            getattr(maker, kind)(name, target, **attrs)
        elif kind == "device":
            maker.device(name, rng.randint(0, 255), rng.randint(0, 255), block=rng.random() < 0.5)
        else:
            maker.fifo(name)
    return maker.bytes()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", range(8))
def test_members_match_tarfile(fmt: int, seed: int) -> None:
    data = random_archive(random.Random(seed * 10 + fmt), fmt)
    with tarfile.open(fileobj=io.BytesIO(data), encoding="utf-8", errors="surrogateescape") as tf:
        expected = [(m, tf.extractfile(m).read() if m.isfile() else b"") for m in tf]  # type: ignore[union-attr]
    for chunk in (None, 1, 700):
        got = read_all(data, chunk)
        assert len(got) == len(expected)
        for (h, body), (m, want) in zip(got, expected, strict=True):
            assert (h.name.rstrip("/"), h.linkname, h.type) == (m.name, m.linkname, m.type)
            assert (h.mode, h.uid, h.gid, h.mtime_ns) == (m.mode, m.uid, m.gid, m.mtime * 10**9)
            assert (h.size, body) == (len(want), want)
            if m.ischr() or m.isblk():
                assert (h.devmajor, h.devminor) == (m.devmajor, m.devminor)
            xattrs = {k[13:]: v for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr.")}
            assert dict(h.xattrs) == {k: v.encode() for k, v in xattrs.items()}


def test_ustar_prefix_field_is_joined() -> None:
    name = "p" * 120 + "/" + "n" * 90
    data = TarMaker(tarfile.USTAR_FORMAT).file(name, b"x").bytes()
    assert data[345:350] == b"ppppp"  # really split over name and prefix
    ((h, body),) = read_all(data)
    assert (h.name, body) == (name, b"x")


def test_gnu_prefix_area_is_not_a_prefix() -> None:
    info = tarfile.TarInfo("file")
    block = bytearray(info.tobuf(tarfile.GNU_FORMAT))
    block[345:357] = b"00000000017\0"  # GNU's atime lives there
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    ((h, _),) = read_all(bytes(block) + bytes(1024))
    assert h.name == "file"


def test_base256_numbers() -> None:
    maker = TarMaker(tarfile.GNU_FORMAT)
    maker.file("big-ids", b"", uid=3_000_000_000, gid=2**33, mtime=-1_000)
    data = maker.bytes()
    assert data[108] & 0x80 and data[116] & 0x80 and data[136] == 0xFF
    ((h, _),) = read_all(data)
    assert (h.uid, h.gid, h.mtime_ns) == (3_000_000_000, 2**33, -1_000 * 10**9)


def test_signed_checksum_of_old_tars_is_accepted() -> None:
    info = tarfile.TarInfo("caf\xe9")
    block = bytearray(info.tobuf(tarfile.USTAR_FORMAT, "latin-1"))
    block[148:156] = b"        "
    signed = sum(b - 256 if b > 127 else b for b in block)
    block[148:156] = b"%06o\0 " % signed
    ((h, _),) = read_all(bytes(block) + bytes(1024))
    assert h.name == "caf\udce9"  # not UTF-8: kept byte for byte through surrogateescape


def test_pax_records_override_and_global_headers_apply_to_the_rest() -> None:
    out = io.BytesIO()
    glob = {"SCHILY.xattr.user.global": "g", "uid": "77"}
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT, pax_headers=glob) as tf:
        for name, pax in (("a", {"uid": "5", "mtime": "-1.25"}), ("b", {})):
            info = tarfile.TarInfo(name)
            info.pax_headers = pax
            tf.addfile(info)
    (a, _), (b, _) = read_all(out.getvalue())
    assert (a.uid, a.mtime_ns, a.xattrs) == (5, -1_250_000_000, [("user.global", b"g")])
    assert (b.uid, b.xattrs) == (77, [("user.global", b"g")])


def test_pax_time_keeps_nanoseconds() -> None:
    data = TarMaker().file("t", pax_headers={"mtime": "1700000000.123456789123"}).bytes()
    ((h, _),) = read_all(data)
    assert h.mtime_ns == 1_700_000_000_123_456_789


def test_pax_size_overrides_the_header_size() -> None:
    maker = TarMaker()
    maker.file("big", b"y" * 1000, pax_headers={"size": "1000"})
    maker.file("next", b"z")
    (big, body), (nxt, body2) = read_all(maker.bytes())
    assert (big.size, body, nxt.name, body2) == (1000, b"y" * 1000, "next", b"z")


def test_old_style_directory_with_a_trailing_slash() -> None:
    data = TarMaker(tarfile.USTAR_FORMAT).raw("olddir/", b"\0").bytes()
    ((h, _),) = read_all(data)
    assert h.type == b"5"


def test_unknown_types_keep_their_data_out_of_the_stream() -> None:
    data = TarMaker().raw("v", b"V", b"volume label").file("after", b"ok").bytes()
    (v, body), (after, body2) = read_all(data)
    assert (v.type, body, after.name, body2) == (b"V", b"volume label", "after", b"ok")
    assert not v.is_file() and after.is_file()


def test_header_only_types_ignore_their_size_field() -> None:
    info = tarfile.TarInfo("d")
    info.type = tarfile.DIRTYPE
    block = bytearray(info.tobuf(tarfile.USTAR_FORMAT))
    block[124:136] = b"%011o\0" % 512  # a size a directory cannot have
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    after = TarMaker(tarfile.USTAR_FORMAT).file("f", b"1").bytes()
    (d, _), (f, body) = read_all(bytes(block) + after)
    assert (d.size, f.name, body) == (0, "f", b"1")


@pytest.mark.parametrize(
    "records",
    [b"10 path=x", b"0 path=x\n", b"abc path=x\n", b"99 path=x\n", b"12 pathx\n"],
)
def test_bad_pax_records_are_corrupt(records: bytes) -> None:
    info = tarfile.TarInfo("././@PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, len(records)
    header = info.tobuf(tarfile.USTAR_FORMAT) + records + bytes(-len(records) % 512)
    data = header + TarMaker(tarfile.USTAR_FORMAT).file("f", b"").bytes()
    with pytest.raises(InvalidArchive, match=r"corrupt \(bad header at offset 0\)"):
        read_all(data)


def meta_member(kind: bytes, data: bytes) -> bytes:
    info = tarfile.TarInfo("././@meta")
    info.type, info.size = kind, len(data)
    return info.tobuf(tarfile.USTAR_FORMAT) + data + bytes(-len(data) % 512)


def pax_record(key: bytes, value: bytes) -> bytes:
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + len(str(len(body)))
    length += len(str(length)) - len(str(len(body)))
    return b"%d" % length + body


def test_oversized_header_members_are_refused() -> None:
    info = tarfile.TarInfo("././@LongLink")
    info.type, info.size = tarfile.GNUTYPE_LONGNAME, 64 << 20
    with pytest.raises(InvalidArchive, match="over 1 MiB of headers"):
        read_all(info.tobuf(tarfile.GNU_FORMAT) + bytes(4096))


def test_header_members_piling_up_are_refused() -> None:
    many = meta_member(b"x", pax_record(b"comment", b"c" * 1000)) * 2000
    with pytest.raises(InvalidArchive, match="over 1 MiB of headers"):
        read_all(many + TarMaker().file("f").bytes())


def test_global_records_are_bounded() -> None:
    members = b"".join(
        meta_member(b"g", pax_record(b"SCHILY.xattr.user.k%04d" % i, b"v" * 1000))
        + TarMaker(tarfile.USTAR_FORMAT).file(f"f{i}").bytes()[:512]
        for i in range(1100)
    )
    with pytest.raises(InvalidArchive, match="global pax records"):
        read_all(members)


def test_gnu_long_name_wins_over_a_pax_path() -> None:
    data = meta_member(b"L", b"long-name\0") + meta_member(b"x", pax_record(b"path", b"pax"))
    ((h, _),) = read_all(data + TarMaker(tarfile.USTAR_FORMAT).file("short").bytes())
    assert h.name == "long-name"


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_truncation_in_long_names_is_one_line(fmt: int) -> None:
    data = TarMaker(fmt).file("x" * 300, b"data").bytes()
    for cut in (512 + 100, 1024, 1024 + 100):
        with pytest.raises(InvalidArchive, match="truncated") as error:
            read_all(data[:cut])
        assert "\n" not in str(error.value)


def test_stream_ending_between_members_is_complete() -> None:
    data = TarMaker().file("a", b"x" * 10).bytes()
    assert [h.name for h, _ in read_all(data[:1024])] == ["a"]


def test_data_reads_are_views_of_big_reads() -> None:
    payload = os.urandom(3 << 20)
    data = TarMaker().file("big", payload).bytes()
    reader = TarReader(io.BytesIO(data))  # type: ignore[arg-type]
    assert reader.next() is not None
    chunks = list(iter(lambda: reader.data().read(1 << 20), b""))
    assert b"".join(chunks) == payload and len(chunks) <= 5
    assert reader.next() is None and reader.ended


# --- sparse files, as GNU tar writes them ---------------------------------------------------


def sparse_source(tmp_path: Path) -> tuple[Path, dict[int, bytes]]:
    src = tmp_path / "src"
    src.mkdir()
    # more regions than an old GNU header holds (4): extension blocks follow it
    pieces = {0: b"head", 9 << 20: b"tail"}
    pieces.update({(i << 18) + 8192: b"piece%d" % i * 500 for i in range(1, 30)})
    with open(src / "sparse", "wb") as f:
        for offset, data in pieces.items():
            f.seek(offset)
            f.write(data)
    return src, pieces


@needs_gnu_tar
@pytest.mark.parametrize(
    "flags",
    [
        ["--format=gnu"],
        ["--format=posix", "--sparse-version=0.0"],
        ["--format=posix", "--sparse-version=0.1"],
        ["--format=posix", "--sparse-version=1.0"],
    ],
)
def test_gnu_sparse_formats(tmp_path: Path, flags: list[str]) -> None:
    src, pieces = sparse_source(tmp_path)
    archive = subprocess.run(
        ["tar", "-C", str(src), *flags, "--sparse", "-cf", "-", "sparse"],
        capture_output=True,
        check=True,
    ).stdout
    ((h, _),) = read_all(archive)
    assert h.name == "sparse" and h.sparse and h.realsize == (9 << 20) + 4
    result = extract_layer(io.BytesIO(archive), tmp_path / "d", mode="apply")
    assert result.bytes == (9 << 20) + 4
    expected = bytearray((9 << 20) + 4)
    for offset, data in pieces.items():
        expected[offset : offset + len(data)] = data
    assert (tmp_path / "d/sparse").read_bytes() == expected


@needs_gnu_tar
def test_truncated_sparse_map_is_one_line(tmp_path: Path) -> None:
    src, _ = sparse_source(tmp_path)
    archive = subprocess.run(
        ["tar", "-C", str(src), "--format=posix", "--sparse", "-cf", "-", "sparse"],
        capture_output=True,
        check=True,
    ).stdout
    data_start = archive.index(b"\n", archive.index(b"GNU.sparse.realsize")) + 1
    data_start += -data_start % 512 + 512  # past the pax data, then the file's header
    with pytest.raises(InvalidArchive, match="truncated") as error:
        read_all(archive[: data_start + 100])
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "attrs", [{"uid": 2**40}, {"gid": 2**50}, {"size": 0, "pax_headers": {"uid": str(2**64)}}]
)
def test_numbers_out_of_range_are_invalid(tmp_path: Path, attrs: dict[str, object]) -> None:
    data = TarMaker(tarfile.GNU_FORMAT if "pax_headers" not in attrs else tarfile.PAX_FORMAT)
    data.file("f", b"x", **attrs)
    with pytest.raises(InvalidArchive, match="member 'f'"):
        extract_layer(io.BytesIO(data.bytes()), tmp_path / "d", mode="apply", chown=True)


def test_sparse_regions_beyond_any_file_size_are_invalid(tmp_path: Path) -> None:
    maker = TarMaker()
    pax = {"GNU.sparse.map": f"{2**62},1", "GNU.sparse.size": str(2**62 + 1)}
    maker.file("GNUSparseFile.0/s", b"x", pax_headers={**pax, "GNU.sparse.name": "s"})
    with pytest.raises(InvalidArchive, match="member 's'"):
        extract_layer(io.BytesIO(maker.bytes()), tmp_path / "d", mode="apply")


def test_global_records_naming_one_file_are_not_applied() -> None:
    """A global pax ``path``/``linkpath``/``size`` is ignored, as Go's archive/tar (docker,
    containerd) does; other global records still apply."""
    out = io.BytesIO()
    glob = {"path": "everything", "linkpath": "elsewhere", "SCHILY.xattr.user.g": "g"}
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT, pax_headers=glob) as tf:
        info = tarfile.TarInfo("a")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
        link = tarfile.TarInfo("l")
        link.type, link.linkname = tarfile.SYMTYPE, "a"
        tf.addfile(link)
    (a, data), (sym, _) = read_all(out.getvalue())
    assert (a.name, data, a.xattrs) == ("a", b"hi", [("user.g", b"g")])
    assert (sym.name, sym.linkname) == ("l", "a")


def pax_sparse_member(numbers: bytes) -> bytes:
    """A pax sparse 1.0 member whose map (in its data) is ``numbers``, for a 4-byte file."""
    body = numbers + b"\0" * (-len(numbers) % 512) + b"data"
    maker = TarMaker()
    pax = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "s",
           "GNU.sparse.realsize": "8"}  # fmt: skip
    maker.file("GNUSparseFile.0/s", body, pax_headers=pax)
    return maker.bytes()


def test_sparse_map_across_many_blocks(tmp_path: Path) -> None:
    """A map of many regions spans blocks (and a number may be cut between two)."""
    pairs = [(i * 2, 1) for i in range(200)] + [(400, 0)]
    numbers = f"{len(pairs)}\n".encode() + b"".join(f"{o}\n{n}\n".encode() for o, n in pairs)
    ((h, _),) = read_all(pax_sparse_member(numbers))
    assert h.name == "s" and h.sparse == pairs[:-1] and h.realsize == 8


def test_sparse_map_with_an_endless_number_is_invalid() -> None:
    with pytest.raises(InvalidArchive, match="bad header"):
        read_all(pax_sparse_member(b"1\n" + b"7" * 2000 + b"\n1\n"))


def test_old_gnu_sparse_with_a_negative_size_is_invalid() -> None:
    header = bytearray(TarMaker(tarfile.GNU_FORMAT).file("s", b"").bytes()[:512])
    header[156:157] = b"S"
    header[483:495] = b"\xff" * 12  # base-256: -1
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    with pytest.raises(InvalidArchive):
        read_all(bytes(header) + b"\0" * 1024)


def test_directory_time_out_of_range_is_invalid(tmp_path: Path) -> None:
    maker = TarMaker()
    maker.dir("d", pax_headers={"mtime": str(2**70)})
    with pytest.raises(InvalidArchive):
        extract_layer(io.BytesIO(maker.bytes()), tmp_path / "x", mode="apply")
