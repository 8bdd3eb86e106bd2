"""pallet.cli.flags: docker's flag syntax."""

from __future__ import annotations

import pytest

from pallet.cli.flags import FlagSet
from pallet.errors import InvalidArgument


def flags() -> FlagSet:
    p = FlagSet("pallet run", "pallet run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Run a command")
    p.switch("-d", "--detach", help="background")
    p.switch("--rm")
    p.switch("-i", "--interactive")
    p.switch("-t", "--tty")
    p.string("--name")
    p.string("--entrypoint", default=None)
    p.strings("-e", "--env")
    p.string("-h", "--hostname")
    p.integer("--stop-timeout", default=None)
    p.number("--cpus")
    return p


def test_long_short_grouped_and_repeated() -> None:
    a = flags().parse(
        ["-dit", "--name=web", "-e", "A=1", "-eB=2", "-e=C=3", "--env", "D=4", "--cpus", "1.5",
         "img", "sh", "-c", "echo --rm"],
        interspersed=False,
    )  # fmt: skip
    assert (a.detach, a.interactive, a.tty, a.rm) == (True, True, True, False)
    assert a.name == "web"
    assert a.env == ["A=1", "B=2", "C=3", "D=4"]
    assert a.cpus == 1.5
    assert a.entrypoint is None and a.stop_timeout is None
    assert a.args == ["img", "sh", "-c", "echo --rm"]


def test_bool_values_and_double_dash() -> None:
    a = flags().parse(["--rm=false", "-d=true", "--", "-img"], interspersed=False)
    assert a.rm is False and a.detach is True
    assert a.args == ["-img"]
    assert flags().parse(["--entrypoint", "", "x"]).entrypoint == ""


def test_interspersed_collects_positionals_between_flags() -> None:
    a = flags().parse(["one", "--rm", "two"])
    assert a.rm is True and a.args == ["one", "two"]
    b = flags().parse(["one", "--rm", "two"], interspersed=False)
    assert b.rm is False and b.args == ["one", "--rm", "two"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--foo"], "unknown flag: --foo"),
        (["--ent", "x"], "unknown flag: --ent"),  # no abbreviations, as docker
        (["-x"], "unknown shorthand flag: 'x' in -x"),
        (["--name"], "flag needs an argument: --name"),
        (["-ie"], "flag needs an argument: 'e' in -ie"),
        (["--stop-timeout", "soon"], 'invalid argument "soon" for "--stop-timeout" flag'),
        (["--rm=maybe"], 'invalid argument "maybe" for "--rm" flag'),
    ],
)
def test_errors_in_dockers_words(argv: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        flags().parse(argv)


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        flags().parse(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: pallet run [OPTIONS] IMAGE [COMMAND] [ARG...]\n")
    assert "  -d, --detach " in out and "background" in out
    assert "      --name string" in out
    # -h is --hostname here, as in docker run, not help
    assert flags().parse(["-h", "box"]).hostname == "box"


def test_switch_with_a_true_default() -> None:
    p = FlagSet("pallet run", "pallet run IMAGE")
    p.switch("--sig-proxy", default=True)
    assert p.parse(["img"]).sig_proxy is True
    assert p.parse(["--sig-proxy=false", "img"]).sig_proxy is False
    assert p.parse(["--sig-proxy", "img"], interspersed=False).args == ["img"]
