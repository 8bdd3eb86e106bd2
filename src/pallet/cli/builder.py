"""``pallet builder VERB``: buildah's scripted builds (from, mount, run, copy, commit ...)."""

from __future__ import annotations

import argparse
import sys

from pallet.cli.globals import GlobalOptions
from pallet.engine.changes import command_words

__all__ = ["builder"]

_USAGE = """\
Usage: pallet builder COMMAND [ARGS...]

Commands:
  from IMAGE|scratch     make a working container; prints its name
  mount CONTAINER        mount its filesystem; prints the path
  umount CONTAINER       unmount it
  run [-v H:C] CONTAINER [--] CMD...
  copy CONTAINER SRC... DEST
  add CONTAINER SRC... DEST
  config [OPTIONS] CONTAINER
  commit CONTAINER [IMAGE]
  ls                     list working containers
  rm [--all] CONTAINER...
"""


def builder(g: GlobalOptions, argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_USAGE, end="")
        return 0 if argv else 125
    verb, rest = argv[0], argv[1:]
    from pallet.engine import builder as b

    engine = g.engine()
    p = argparse.ArgumentParser(prog=f"pallet builder {verb}")
    if verb == "from":
        p.add_argument("--name", default="")
        p.add_argument("--pull", nargs="?", const="always", default="missing")
        p.add_argument("image")
        a = p.parse_args(rest)
        print(b.builder_from(engine, a.image, name=a.name).name)
    elif verb == "mount":
        p.add_argument("container")
        print(b.builder_mount(engine, p.parse_args(rest).container))
    elif verb in ("umount", "unmount"):
        p.add_argument("container")
        b.builder_umount(engine, p.parse_args(rest).container)
    elif verb == "run":
        p.add_argument("-v", "--volume", action="append", default=[])
        p.add_argument("--network", default="host", choices=["host", "none"])
        p.add_argument("container")
        p.add_argument("command", nargs=argparse.REMAINDER)
        a = p.parse_args(rest)
        cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
        sys.stdout.flush()
        return b.builder_run(engine, a.container, cmd, volumes=a.volume, network=a.network)
    elif verb in ("copy", "add"):
        p.add_argument("--chown")
        p.add_argument("--chmod")
        p.add_argument("container")
        p.add_argument("paths", nargs="+")
        a = p.parse_args(rest)
        if len(a.paths) < 2:
            p.error("need at least one source and a destination")
        b.builder_copy(engine, a.container, a.paths[:-1], a.paths[-1], add=verb == "add",
                       chown=a.chown, chmod=a.chmod)  # fmt: skip
    elif verb == "config":
        p.add_argument("--entrypoint")
        p.add_argument("--cmd")
        p.add_argument("--env", "-e", action="append", default=[])
        p.add_argument("--label", "-l", action="append", default=[])
        p.add_argument("--port", "-p", action="append", default=[])
        p.add_argument("--volume", "-v", action="append", default=[])
        p.add_argument("--workingdir")
        p.add_argument("--user", "-u")
        p.add_argument("--stop-signal")
        p.add_argument("--author")
        p.add_argument("container")
        a = p.parse_args(rest)
        changes = b.ConfigChanges(
            entrypoint=None if a.entrypoint is None else command_words(a.entrypoint),
            cmd=None if a.cmd is None else command_words(a.cmd),
            env=tuple(a.env), labels=tuple(a.label), ports=tuple(a.port),
            volumes=tuple(a.volume), workingdir=a.workingdir, user=a.user,
            stop_signal=a.stop_signal, author=a.author,
        )  # fmt: skip
        b.builder_config(engine, a.container, changes)
    elif verb == "commit":
        p.add_argument("-q", "--quiet", action="store_true")
        p.add_argument("container")
        p.add_argument("image", nargs="?")
        a = p.parse_args(rest)
        print(b.builder_commit(engine, a.container, a.image).partition(":")[2])
    elif verb in ("ls", "containers", "list"):
        p.add_argument("-q", "--quiet", action="store_true")
        a = p.parse_args(rest)
        recs = b.builder_list(engine)
        if not a.quiet:
            print(f"{'CONTAINER ID':<14}{'IMAGE ID':<14}{'IMAGE NAME':<34}CONTAINER NAME")
        for r in recs:
            if a.quiet:
                print(r.id[:12])
            else:
                print(f"{r.id[:12]:<14}{r.image_id[7:19]:<14}{r.image_name:<34}{r.name}")
    elif verb in ("rm", "delete"):
        p.add_argument("-a", "--all", action="store_true")
        p.add_argument("containers", nargs="*")
        a = p.parse_args(rest)
        for cid in b.builder_remove(engine, a.containers, all_=a.all):
            print(cid)
    else:
        print(f"Error: unknown builder command {verb!r}\n\n{_USAGE}", file=sys.stderr, end="")
        return 125
    return 0
