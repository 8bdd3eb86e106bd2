"""The ``pallet`` command: global options, then one verb whose module is imported on demand.

Start-up time is a feature (``pallet run --rm`` is measured against runc itself), so this module
imports almost nothing: the verb's module builds its own argument parser and does the work.
Only this package prints and exits; everything below raises ``PalletError``.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn

    from pallet.cli.globals import GlobalOptions


def _defer_import(name: str) -> None:
    """Stand in for a module until one of its attributes is used.

    ``dataclasses`` imports ``inspect`` (~10 ms with ``ast``, ``dis`` and ``tokenize``) but uses
    it only to write docstrings for undocumented classes, which pallet has none of. The stand-in
    forwards any attribute access to the real module, imported at that moment.
    """
    if name in sys.modules:
        return
    import types

    class _Deferred(types.ModuleType):
        def __getattr__(self, attr: str) -> object:
            if sys.modules.get(name) is self:
                del sys.modules[name]
            real = __import__(name)
            return getattr(real, attr)

    sys.modules[name] = _Deferred(name)


def _prepare_imports() -> None:
    """Make the heavy imports of a full command cheaper (once, before any of them)."""
    _defer_import("inspect")
    # ``pathlib`` imports ``urllib.parse``, which imports ``ipaddress`` (~2 ms) for URLs with
    # an IPv6 host in brackets, which pallet's start-up never parses.
    _defer_import("ipaddress")
    from pallet import _dataclass_cache

    _dataclass_cache.install()


__all__ = ["main"]

# verb -> "module:function"; a function takes (GlobalOptions, argv) and returns an exit code.
VERBS: dict[str, str] = {
    "images": "pallet.cli.images:images",
    "image": "pallet.cli.image:image",
    "inspect": "pallet.cli.inspect:inspect",
    "import": "pallet.cli.importing:import_",
    "load": "pallet.cli.load:load",
    "save": "pallet.cli.save:save",
    "tag": "pallet.cli.tag:tag",
    "untag": "pallet.cli.tag:untag",
    "rmi": "pallet.cli.rmi:rmi",
    "history": "pallet.cli.history:history",
    "bootstrap": "pallet.cli.bootstrap:bootstrap",
    "system": "pallet.cli.system:system",
    "version": "pallet.cli.version:version",
    "run": "pallet.cli.run:run",
    "create": "pallet.cli.run:create",
    "start": "pallet.cli.start:start",
    "ps": "pallet.cli.ps:ps",
    "logs": "pallet.cli.logs:logs",
    "exec": "pallet.cli.exec:exec_",
    "stop": "pallet.cli.lifecycle:stop",
    "kill": "pallet.cli.lifecycle:kill",
    "rm": "pallet.cli.rm:rm",
    "wait": "pallet.cli.lifecycle:wait",
    "restart": "pallet.cli.lifecycle:restart",
    "pause": "pallet.cli.lifecycle:pause",
    "unpause": "pallet.cli.lifecycle:unpause",
    "attach": "pallet.cli.attach:attach",
    "container": "pallet.cli.container:container",
    "volume": "pallet.cli.volume:volume",
    "top": "pallet.cli.top:top",
    "cp": "pallet.cli.cp:cp",
    "export": "pallet.cli.export:export",
    "commit": "pallet.cli.commit:commit",
    "rename": "pallet.cli.rename:rename",
    "port": "pallet.cli.port:port",
    "stats": "pallet.cli.stats:stats",
    "pull": "pallet.cli.pull:pull",
    "push": "pallet.cli.push:push",
    "login": "pallet.cli.login:login",
    "logout": "pallet.cli.login:logout",
    "copy": "pallet.cli.copy:copy",
    "list-tags": "pallet.cli.copy:list_tags",
    "manifest": "pallet.cli.manifest:manifest",
    "build": "pallet.cli.build:build",
    "builder": "pallet.cli.builder:builder",
    "catalog": "pallet.cli.catalog:catalog",
}

USAGE = """\
Usage: pallet [--root DIR] [--runroot DIR] [--runtime NAME] COMMAND [ARGS...]

A daemonless container toolkit: images, containers, builds, registries, catalogs.

Image commands:
  images, image, import, load, save, tag, untag, rmi, history, inspect, bootstrap
Container commands:
  run, create, start, ps, logs, exec, attach, stop, kill, rm, wait, restart, pause,
  unpause, top, cp, export, commit, rename, port, stats, container, volume
Registry commands:
  pull, push, login, logout, copy, list-tags, manifest
Build commands:
  build, builder, catalog
Other:
  system (check, df, prune, info), version

Run 'pallet COMMAND --help' for more information on a command.
"""


def _resolve(verb: str) -> Callable[[GlobalOptions, list[str]], int] | None:
    target = VERBS.get(verb)
    if target is None:
        return None
    module_name, _, func = target.partition(":")
    try:
        module = __import__(module_name, fromlist=[func])
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    fn: Callable[[GlobalOptions, list[str]], int] = getattr(module, func)
    return fn


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pallet`` console script and ``python -m pallet``.

    Run as the program (no ``argv`` given), it ends the process itself once the output is
    flushed: tearing the interpreter down costs ~10 ms that a short command like ``run --rm``
    cannot spare, and every file it wrote is already closed.
    """
    if argv is None:
        _stdin_open()
        args = sys.argv[1:]
        from pallet.cli import quickrun

        quickrun.ARGV = args
        code = quickrun.try_run(args) if "run" in args else None
        if code is None:
            _process_site()
            code = _main(args)
        if "pallet._dataclass_cache" in sys.modules:
            sys.modules["pallet._dataclass_cache"].save()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            pass
        os._exit(code & 0xFF)
    return _main(list(argv))


def _process_site() -> None:
    """Started by pallet's launcher (``python -S``, see ``pallet.cli.launcher``): process
    ``site`` now, as Python would have at start-up, before a command imports from
    site-packages."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


def _stdin_open() -> None:
    if sys.stdin is None:  # started with fd 0 closed (daemons, some CI runners): fd 0 = null
        sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process


def _main(argv: Sequence[str]) -> int:
    _prepare_imports()
    from pallet.cli.globals import GlobalOptions

    _stdin_open()
    args = list(argv)
    try:
        gopts, rest = GlobalOptions.parse(args)
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 125
    if gopts.version:
        from pallet import __version__

        print(f"pallet version {__version__}")
        return 0
    if not rest or rest[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if rest or gopts.help else 125
    verb, verb_args = rest[0], rest[1:]
    fn = _resolve(verb)
    if fn is None:
        print(
            f"Error: unrecognized command `pallet {verb}`\n"
            "Try 'pallet --help' for more information",
            file=sys.stderr,
        )
        return 125
    return run_verb(fn, gopts, verb_args)


def run_verb(
    fn: Callable[[GlobalOptions, list[str]], int], gopts: GlobalOptions, args: list[str]
) -> int:
    """Call a verb, turning pallet's errors into one line on stderr and docker's exit codes."""
    from pallet.errors import PalletError

    _one_line_argparse_errors()
    try:
        return fn(gopts, args)
    except PalletError as exc:
        _flush_quietly()
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        _flush_quietly()
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except SystemExit as exc:  # argparse's exits: 2 on a usage error becomes docker's 125
        code = exc.code if isinstance(exc.code, int) else 125
        return 125 if code == 2 else code
    except OSError as exc:
        if os.environ.get("PALLET_DEBUG"):
            raise
        print(
            f"Error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""),
            file=sys.stderr,
        )
        return 125
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("PALLET_DEBUG"):
            raise
        print(f"Error: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 125


def _one_line_argparse_errors() -> None:
    """Make argparse's usage errors one line and exit 125, as every other bad input.

    Only if the verb's module uses argparse (``run`` and ``create`` have their own parser:
    ``pallet.cli.flags``); importing it costs ~4 ms.
    """
    if "argparse" not in sys.modules:
        return
    import argparse

    from pallet.errors import InvalidArgument

    def usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
        raise InvalidArgument(f"{parser.prog}: {message} (see '{parser.prog} --help')")

    argparse.ArgumentParser.error = usage_error  # type: ignore[method-assign,assignment]


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        _silence_stdout()


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
