"""Docker contexts as taskgraph assembles them, and their hash.

An image's context is every file under its folder (``__pycache__`` folders left out, symlinked
folders not followed) plus its Dockerfile rewritten by two directives:

- ``# %ARG NAME`` declares an argument: ``$NAME`` in the lines after it is replaced by the
  value from ``args`` (the directive line itself is dropped). A missing value is an error.
- ``# %include PATH`` adds a file, or a folder's files, from the top source dir under
  ``topsrcdir/PATH`` in the context; ``# %include-run-task`` adds taskgraph's run-task files.

The hash is the sha256 of the deterministic tar of that file set (:mod:`.tarstream`), equal to
``taskgraph.util.docker.generate_context_hash`` for the same inputs, byte for byte. Dockerfiles
are read as UTF-8 with universal newlines, as taskgraph does under a UTF-8 locale.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from pallet.catalog.tarstream import Member, stream_tar
from pallet.errors import BuildError

__all__ = ["check_context", "context_hash", "context_members", "write_context_tar"]


def _walk_files(top: str, where: str) -> Iterator[str]:
    """Paths of the files under ``top``, as ``os.walk`` finds them (order is irrelevant)."""
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as e:
            raise BuildError(f"{where}: {folder}: cannot read folder: {e.strerror}") from None
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                yield entry.path
            elif entry.name != "__pycache__" and not entry.is_symlink():
                pending.append(entry.path)


def _read_lines(dockerfile: str, where: str) -> list[str]:
    try:
        with open(dockerfile, "rb") as fh:
            text = fh.read().decode("utf-8")
    except FileNotFoundError:
        raise BuildError(f"{where}: {dockerfile}: no Dockerfile") from None
    except OSError as e:
        raise BuildError(f"{where}: {dockerfile}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise BuildError(f"{where}: {dockerfile}: not UTF-8 ({e.reason})") from None
    parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _run_task(where: str) -> tuple[Mapping[str, str], list[str]]:
    """taskgraph's run-task files and Dockerfile snippet; they ship only with taskgraph."""
    try:
        from taskgraph.util import docker as tg_docker
    except ImportError:
        raise BuildError(
            f"{where}: # %include-run-task needs the taskcluster-taskgraph package"
        ) from None
    return dict(tg_docker.RUN_TASK_FILES), list(tg_docker.RUN_TASK_SNIPPET)


def _include(files: dict[str, str | bytes], top: str, real_top: str, spec: str, where: str) -> None:
    """Add the file or folder ``spec`` (relative to ``top``) under ``topsrcdir/``."""
    if os.path.isabs(spec):
        raise BuildError(f"{where}: %include path cannot be absolute: {spec}")
    fs_path = os.path.normpath(os.path.join(top, spec))
    if not _inside(fs_path, top) or not _inside(os.path.realpath(fs_path), real_top):
        raise BuildError(f"{where}: %include path outside the source tree: {spec}")
    if not os.path.exists(fs_path):
        raise BuildError(f"{where}: %include path does not exist: {spec}")
    if not os.path.isdir(fs_path):
        files[os.path.join("topsrcdir", spec)] = fs_path
        return
    for source in _walk_files(fs_path, where):
        files[os.path.join("topsrcdir", spec, source[len(fs_path) + 1 :])] = source


def context_members(
    topsrcdir: Path, image_dir: Path, args: Mapping[str, str], *, image: str | None = None
) -> list[Member]:
    """The context's members in archive order: (name, path to read, or the Dockerfile's bytes).

    ``image_dir`` is relative to ``topsrcdir`` (or absolute); ``image`` names the image in
    error messages (default: the folder's name). Raises BuildError for a missing argument or
    an ``%include`` that is absolute, leaves the tree, or does not exist.
    """
    top = os.path.abspath(topsrcdir)
    real_top = os.path.realpath(top)
    context_dir = os.path.join(top, image_dir)
    dockerfile = os.path.join(context_dir, "Dockerfile")
    where = f"image {image or Path(context_dir).name}: {os.path.relpath(dockerfile, top)}"
    lines = _read_lines(dockerfile, where)

    files: dict[str, str | bytes] = {
        source[len(context_dir) + 1 :]: source for source in _walk_files(context_dir, where)
    }
    replacements: list[tuple[re.Pattern[str], str]] = []
    content: list[str] = []
    for raw in lines:
        line = raw
        if line.startswith("# %ARG"):
            name = line[len("# %ARG ") :].strip()
            if name not in args:
                raise BuildError(f"{where}: missing argument {name} (pass --arg {name}=VALUE)")
            try:
                replacements.append((re.compile(rf"\${name}\b"), args[name]))
            except re.error as e:
                raise BuildError(f"{where}: bad %ARG name {name!r}: {e}") from None
            continue
        try:
            for pattern, value in replacements:
                # A template, as in taskgraph: backslash escapes in values are interpreted.
                line = pattern.sub(value, line)
        except re.error as e:
            raise BuildError(f"{where}: bad argument value: {e}") from None
        content.append(line)
        if not line.startswith("# %include"):
            continue
        if line.strip() == "# %include-run-task":
            run_task_files, snippet = _run_task(where)
            content.extend(snippet)
            files.update(run_task_files)
            continue
        _include(files, top, real_top, line[len("# %include ") :].strip(), where)

    files["Dockerfile"] = "".join(content).encode("utf-8")
    return sorted(files.items())


def context_hash(
    topsrcdir: Path, image_dir: Path, args: Mapping[str, str], *, image: str | None = None
) -> str:
    """The context hash of the image at ``image_dir``, equal to taskgraph's."""
    members = context_members(topsrcdir, image_dir, args, image=image)
    return stream_tar(members, None, f"image {image or Path(image_dir).name}")


def write_context_tar(
    topsrcdir: Path,
    image_dir: Path,
    args: Mapping[str, str],
    out: BinaryIO,
    *,
    image: str | None = None,
) -> str:
    """Write the (uncompressed) context tar a build uses to ``out``; return its hash."""
    members = context_members(topsrcdir, image_dir, args, image=image)
    return stream_tar(members, out, f"image {image or Path(image_dir).name}")


def check_context(
    topsrcdir: Path, image_dir: Path, args: Mapping[str, str], *, image: str | None = None
) -> tuple[str, ...]:
    """Check a context without reading its files; return its member names.

    Raises BuildError, one line naming the image and file, for a file with the setuid or
    setgid bit (taskgraph refuses those: the archive is owned by root), one that is not a
    regular file, or one that cannot be read, besides the Dockerfile errors above.
    """
    where = f"image {image or Path(image_dir).name}"
    members = context_members(topsrcdir, image_dir, args, image=image)
    for _, source in members:
        if isinstance(source, bytes):
            continue
        try:
            st = os.stat(source)
        except OSError as e:
            raise BuildError(f"{where}: {source}: cannot stat: {e.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            raise BuildError(f"{where}: {source}: not a regular file")
        if st.st_mode & (stat.S_ISUID | stat.S_ISGID):
            raise BuildError(f"{where}: {source}: setuid or setgid bit set")
    return tuple(name for name, _ in members)
