from __future__ import annotations

import pytest

import pallet.runtime as runtime
from pallet.errors import CommandCannotInvoke, CommandNotFound, InvalidArgument, RuntimeFailure
from pallet.runtime.driver import map_start_error
from pallet.runtime.monitor import parse_restart, protocol


def test_all_is_exact_and_importable() -> None:
    public = {n for n in dir(runtime) if not n.startswith("_")}
    assert sorted(runtime.__all__) == runtime.__all__
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None
    assert set(runtime.__all__) <= public | set(runtime.__all__)
    with pytest.raises(AttributeError):
        runtime.nope  # noqa: B018


def test_restart_policy() -> None:
    assert parse_restart("no").should_restart(1, 0, False) is False
    p = parse_restart("on-failure:2")
    assert [p.should_restart(1, n, False) for n in range(3)] == [True, True, False]
    assert p.should_restart(0, 0, False) is False
    assert parse_restart("on-failure").should_restart(1, 100, False)
    assert parse_restart("always").should_restart(0, 5, False)
    assert parse_restart("unless-stopped").should_restart(0, 5, True) is False
    for bad in ("sometimes", "always:3", "on-failure:x"):
        with pytest.raises(InvalidArgument):
            parse_restart(bad)


def test_error_mapping() -> None:
    nf = map_start_error(
        'runc create failed: unable to start container process: exec: "foo": executable '
        "file not found in $PATH"
    )
    assert isinstance(nf, CommandNotFound) and nf.exit_code == 127
    assert str(nf) == 'exec: "foo": executable file not found in $PATH'
    nf2 = map_start_error(
        'unable to start container process: exec: "/x": stat /x: no such file or directory'
    )
    assert isinstance(nf2, CommandNotFound)
    ci = map_start_error('unable to start container process: exec: "/etc": permission denied')
    assert isinstance(ci, CommandCannotInvoke) and ci.exit_code == 126
    assert isinstance(map_start_error("cgroup error"), RuntimeFailure)


def test_frames() -> None:
    data = protocol.frame(protocol.STDOUT, b"abc") + protocol.frame(protocol.EXIT, b"{}")
    reader = protocol.FrameReader()
    assert reader.feed(data[:4]) == []
    assert reader.feed(data[4:]) == [(protocol.STDOUT, b"abc"), (protocol.EXIT, b"{}")]
