"""``pallet exec [OPTIONS] CONTAINER COMMAND [ARG...]``: docker's flags, exit codes and errors."""

from __future__ import annotations

import argparse
import os
import sys

from pallet.cli.globals import GlobalOptions
from pallet.cli.run import env_file_lines
from pallet.errors import CommandCannotInvoke, CommandNotFound, PalletError

__all__ = ["exec_"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pallet exec", description="Execute a command in a running container"
    )
    a = p.add_argument
    a("-d", "--detach", action="store_true", help="run the command in the background")
    a("-i", "--interactive", action="store_true", help="keep stdin open")
    a("-t", "--tty", action="store_true", help="allocate a pseudo-tty")
    a("-e", "--env", action="append", default=[], help="set an environment variable")
    a("--env-file", action="append", default=[], help="read environment variables from a file")
    a("-u", "--user", default="", help="user[:group] to run as")
    a("-w", "--workdir", default="", help="working directory inside the container")
    a("--privileged", action="store_true", help="give the process every capability")
    a("--detach-keys", default="ctrl-p,ctrl-q")
    a("container")
    a("command", nargs=argparse.REMAINDER)
    return p


def exec_(g: GlobalOptions, argv: list[str]) -> int:
    a = _parser().parse_args(argv)
    from pallet.engine.container_exec import ExecOptions, exec_container

    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        print('"pallet exec" requires at least 2 arguments.', file=sys.stderr)
        return 125
    env: list[str] = []
    for path in a.env_file:
        env.extend(env_file_lines(path))
    env.extend(a.env)
    opts = ExecOptions(
        command=tuple(command),
        env=tuple(env),
        user=a.user,
        workdir=a.workdir,
        tty=a.tty,
        interactive=a.interactive,
        detach=a.detach,
        privileged=a.privileged,
    )
    if opts.tty and opts.interactive and not a.detach and not os.isatty(0):
        print("the input device is not a TTY", file=sys.stderr)
        return 1
    engine = g.engine()
    sys.stdout.flush()
    try:
        return exec_container(engine, a.container, opts)
    except (CommandNotFound, CommandCannotInvoke) as exc:
        print(
            "OCI runtime exec failed: exec failed: unable to start container process: "
            f"{exc}: unknown",
            file=sys.stderr,
        )
        return exc.exit_code
    except PalletError as exc:
        print(f"Error response from daemon: {exc}", file=sys.stderr)
        return exc.exit_code
