"""A prepared ``run``: the second and later ``pallet run`` with the same command line.

The first ``run`` of a command line goes the whole way: it parses the flags, resolves the
image, builds the record and the runtime spec (seccomp profile, capabilities, mounts, user,
environment). Those depend only on the command line, the image and a few host files, so it
is saved as a *prepared run* in the run directory (``pallet.engine.prepared_run``). A later
``run`` with the same command line, while none of those inputs changed, replays it before
anything heavy is imported. Nothing else differs: ``ps``, ``inspect``, ``logs`` and the exit
code see the same container, and errors read the same.

Why: ``run --rm`` is measured against runc itself, and the full path imports ``json``,
``pathlib``, ``dataclasses`` and the store (~40 ms here) before runc can start.

Command lines whose outcome depends on more than the engine can stamp are never prepared:
volumes and bind mounts, ``--env-file``, ``-e NAME`` (a value from the caller's
environment), ``--privileged`` (the caller's capabilities), ``--init`` (a host binary),
``-p``, and ``--pull always|newer``. Nor is a run that failed to start. A name given with
``--name`` that is taken sends the run down the full path, which reports the conflict.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pallet.cli.flags import Parsed
    from pallet.cli.globals import GlobalOptions
    from pallet.engine.container_records import ContainerRecord
    from pallet.engine.context import Engine

__all__ = ["ARGV", "save", "try_run"]

#: The command line of this process, set by ``main`` when it runs as the program (a prepared
#: run is saved only then: an in-process call has no command line of its own).
ARGV: list[str] | None = None


def try_run(args: list[str]) -> int | None:
    """Run ``pallet ARGS`` from its prepared run; None if there is none to use (then nothing
    was done, and the caller takes the full path)."""
    from pallet.cli.globals import GlobalOptions

    try:
        g, rest = GlobalOptions.parse(args)
    except ValueError:
        return None
    if not rest or rest[0] != "run" or g.help or g.version:
        return None
    from pallet.engine import prepared_run

    root, run_dir = prepared_run.store_dirs(g.root or None, g.runroot or None)
    t = prepared_run.load(root, run_dir, args)
    if t is None:
        return None
    if t["tty"] and t["interactive"] and not t["detach"] and not os.isatty(0):
        return None  # the full path reports "the input device is not a TTY"
    from pallet.cli.main import run_verb

    fell_back = []

    def replay(_g: GlobalOptions, _argv: list[str]) -> int:
        try:
            return prepared_run.replay(t, root)
        except prepared_run.NotPrepared:
            fell_back.append(True)
            return 0

    code = run_verb(replay, g, rest[1:])
    return None if fell_back else code


def _replayable(a: Parsed) -> bool:
    if a.volume or a.mount or a.env_file or a.publish or a.privileged or a.init:
        return False
    if a.pull not in ("missing", "never"):
        return False
    return all("=" in e for e in a.env)


def save(g: GlobalOptions, a: Parsed, engine: Engine, rec: ContainerRecord) -> None:
    """After a full ``run`` started ``rec``: save it as the prepared run of this command line,
    if it can be replayed. Never fails the run: a prepared run is only a cache."""
    if ARGV is None or not _replayable(a):
        return
    from pallet.engine import prepared_run

    if prepared_run.store_dirs(g.root or None, g.runroot or None)[0] != str(engine.root.path):
        return
    try:
        prepared_run.save(engine, rec, ARGV, fixed_name=bool(a.name), detach=bool(a.detach))
    except Exception:
        pass
