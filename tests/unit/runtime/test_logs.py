from __future__ import annotations

import os
from pathlib import Path

from pallet.runtime import logs
from pallet.runtime.monitor.files import now_rfc3339
from pallet.runtime.monitor.logwriter import LogWriter


def test_record_round_trip() -> None:
    line = logs.format_record("2024-05-01T12:00:00.123456789Z", "stdout", b"hello world", False)
    assert line == b"2024-05-01T12:00:00.123456789Z stdout F hello world\n"
    rec = logs.parse_record(line)
    assert rec == logs.LogRecord("2024-05-01T12:00:00.123456789Z", "stdout", b"hello world")
    assert logs.parse_record(b"garbage") is None


def test_time_format() -> None:
    text = now_rfc3339(1714564800_123456789)
    assert text == "2024-05-01T12:00:00.123456789Z"
    assert logs.parse_time(text) == 1714564800_123456789
    assert logs.parse_time("1714564800") == 1714564800 * 10**9


def test_writer_and_reader(tmp_path: Path) -> None:
    path = str(tmp_path / "ctr.log")
    w = LogWriter(path)
    w.write("stdout", b"one\ntw")
    w.write("stderr", b"err\n")
    w.write("stdout", b"o\nthree\n")
    w.write("stdout", b"tail")
    w.close()
    raw = Path(path).read_bytes().splitlines()
    assert [r.split(b" ", 1)[1] for r in raw] == [
        b"stdout F one", b"stdout P tw", b"stderr F err", b"stdout F o", b"stdout F three",
        b"stdout P tail",
    ]  # fmt: skip
    got = list(logs.read(path))
    assert got == [("stdout", b"one\n"), ("stderr", b"err\n"), ("stdout", b"two\n"),
                   ("stdout", b"three\n"), ("stdout", b"tail")]  # fmt: skip
    assert [d for _, d in logs.read(path, tail=2)] == [b"three\n", b"tail"]
    stamped = next(iter(logs.read(path, timestamps=True)))[1]
    assert stamped.endswith(b" one\n") and stamped[:4].isdigit()
    assert list(logs.read(path, since="2999-01-01T00:00:00Z")) == []
    assert len(list(logs.read(path, until="2999-01-01T00:00:00Z"))) == 5
    assert list(logs.read(os.path.join(tmp_path, "missing"))) == []
