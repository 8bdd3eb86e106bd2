"""Write the ``pallet`` command for an installation: ``python -m pallet.cli.launcher PATH``.

The command pip writes (``[project.scripts]``) starts Python with ``site``, which here costs
~4 ms of the ~75 ms of a replayed ``run --rm`` (reading ``pyvenv.cfg``, the ``.pth`` files,
``sitecustomize``). The command written here starts the same Python with ``-S`` and puts
pallet's own directory first on ``sys.path``; ``main`` processes ``site`` itself as soon as a
command needs more than the standard library (every command but a replayed ``run``), so
third-party packages and ``.pth`` files work as usual. ``scripts/setup`` writes it over pip's.
"""

from __future__ import annotations

import os
import sys

__all__ = ["launcher_text", "write_launcher"]


def launcher_text(python: str, package_parent: str) -> str:
    """The launcher's source: ``python`` runs it, ``package_parent`` holds ``pallet/``."""
    return (
        f"#!{python} -S\n"
        "# The pallet command (python -m pallet.cli.launcher): Python without `site` (-S);\n"
        "# pallet.cli.main processes it when a command needs more than the standard library.\n"
        "import sys\n"
        f"sys.path.insert(0, {package_parent!r})\n"
        "from pallet.cli.main import main\n"
        "sys.exit(main())\n"
    )


def write_launcher(path: str, python: str | None = None) -> None:
    """Write the launcher to ``path`` (atomically, mode 755) for this installation."""
    import pallet

    parent = os.path.dirname(os.path.dirname(os.path.abspath(str(pallet.__file__))))
    python = python or sys.executable
    if len(python) > 120 or any(c.isspace() for c in python):
        raise ValueError(f"{python!r} cannot be a #! line: keep pip's script")
    text = launcher_text(python, parent)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m pallet.cli.launcher PATH", file=sys.stderr)
        sys.exit(2)
    try:
        write_launcher(sys.argv[1])
    except ValueError as exc:
        print(f"pallet.cli.launcher: {exc}", file=sys.stderr)
