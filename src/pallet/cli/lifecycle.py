"""``stop``, ``kill``, ``wait``, ``restart``, ``pause``, ``unpause``: each on several names."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pallet.cli.globals import GlobalOptions
from pallet.errors import PalletError

__all__ = ["kill", "pause", "restart", "stop", "unpause", "wait"]


def _each(names: list[str], fn: Callable[[str], object], echo: bool = True) -> int:
    code = 0
    for name in names:
        try:
            out = fn(name)
        except PalletError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            code = exc.exit_code
            continue
        if echo:
            print(out if isinstance(out, int) else name)
    return code


def _names_parser(prog: str, what: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=what)
    p.add_argument("containers", nargs="*")
    p.add_argument("-a", "--all", action="store_true")
    return p


def _targets(g: GlobalOptions, a: argparse.Namespace, running: bool = True) -> list[str]:
    if not a.all:
        if not a.containers:
            raise PalletError("you must provide at least one container name or id")
        return list(a.containers)
    from pallet.engine.containers import list_containers

    return [v.record.name for v in list_containers(g.engine(), all_=not running)]


def stop(g: GlobalOptions, argv: list[str]) -> int:
    p = _names_parser("pallet stop", "Stop running containers")
    p.add_argument("-t", "--time", "--timeout", type=int, dest="time")
    a = p.parse_args(argv)
    from pallet.engine.containers import stop_container

    engine = g.engine()
    return _each(_targets(g, a), lambda n: stop_container(engine, n, timeout=a.time))


def kill(g: GlobalOptions, argv: list[str]) -> int:
    p = _names_parser("pallet kill", "Kill running containers")
    p.add_argument("-s", "--signal", default="KILL")
    a = p.parse_args(argv)
    from pallet.engine.containers import kill_container, parse_signal

    parse_signal(a.signal)
    engine = g.engine()
    return _each(_targets(g, a), lambda n: kill_container(engine, n, a.signal))


def wait(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet wait", description="Wait for containers to stop")
    p.add_argument("containers", nargs="+")
    a = p.parse_args(argv)
    from pallet.engine.containers import wait_container

    engine = g.engine()
    return _each(a.containers, lambda n: wait_container(engine, n))


def restart(g: GlobalOptions, argv: list[str]) -> int:
    p = _names_parser("pallet restart", "Restart containers")
    p.add_argument("-t", "--time", "--timeout", type=int, dest="time")
    a = p.parse_args(argv)
    from pallet.engine.containers import restart_container

    engine = g.engine()
    return _each(
        _targets(g, a, running=False), lambda n: restart_container(engine, n, timeout=a.time)
    )


def pause(g: GlobalOptions, argv: list[str]) -> int:
    a = _names_parser("pallet pause", "Pause containers").parse_args(argv)
    from pallet.engine.containers import pause_container

    engine = g.engine()
    return _each(_targets(g, a), lambda n: pause_container(engine, n))


def unpause(g: GlobalOptions, argv: list[str]) -> int:
    a = _names_parser("pallet unpause", "Unpause containers").parse_args(argv)
    from pallet.engine.containers import unpause_container

    engine = g.engine()
    return _each(_targets(g, a), lambda n: unpause_container(engine, n))
