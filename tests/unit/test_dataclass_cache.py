"""pallet._dataclass_cache: the CLI's cache of the code dataclasses compile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MODULE = '''
import dataclasses

@dataclasses.dataclass(frozen=True, slots=True, order=True)
class P:
    """doc"""
    x: int
    y: str = "a"
'''

SCRIPT = """
import dataclasses, sys
sys.path.insert(0, {where!r})
import pallet._dataclass_cache as c
c.install(("dcpkg",))
c.install()  # the first call chose
from dcpkg.mod import P
p = P(1)
assert p == P(1, "a") and hash(p) == hash(P(1)) and repr(p) == "P(x=1, y='a')"
assert P(1) < P(2) and sorted([P(3), P(1)]) == [P(1), P(3)] and {{P(1): 1}}[P(1)] == 1
assert P.__eq__.__name__ == "__eq__"
try:
    p.x = 2
except dataclasses.FrozenInstanceError:
    print("frozen")
c.save()
"""


def _run(where: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(where=str(where))], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_classes_are_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    """Compiled the first time and kept beside the module's bytecode; read the second time;
    the classes behave as plain dataclasses both times."""
    pkg = tmp_path / "dcpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MODULE)
    from pallet._dataclass_cache import cache_path

    cached = Path(cache_path(str(pkg / "mod.py")))
    assert cached.parent == pkg / "__pycache__"
    assert _run(tmp_path) == "frozen\n"
    assert cached.is_file()
    stamp = cached.stat().st_mtime_ns
    assert _run(tmp_path) == "frozen\n"
    assert cached.stat().st_mtime_ns == stamp  # nothing new to compile: not rewritten


def test_an_edited_module_rewrites_its_file_without_stale_code(tmp_path: Path) -> None:
    pkg = tmp_path / "dcpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MODULE)
    _run(tmp_path)
    from pallet._dataclass_cache import cache_path

    cached = Path(cache_path(str(pkg / "mod.py")))
    before = cached.read_bytes()
    (pkg / "mod.py").write_text(MODULE.replace('y: str = "a"', 'y: str = "a"\n    z: int = 0'))
    for pyc in (pkg / "__pycache__").glob("mod.*.pyc"):
        os.unlink(pyc)
    script = SCRIPT.replace("repr(p) == \"P(x=1, y='a')\"", "True")
    out = subprocess.run(
        [sys.executable, "-c", script.format(where=str(tmp_path))], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    import marshal

    inits = [k for k in marshal.loads(cached.read_bytes()) if " def __init__(" in k]
    assert cached.read_bytes() != before
    assert len(inits) == 1 and ",z:" in inits[0]  # the old __init__ is not kept


def test_classvar_annotations_stay_class_attributes() -> None:
    """A ``ClassVar`` annotation is not a field: dataclasses only sees that when ``typing``
    was imported first, which modules using ``ClassVar`` must do at run time (not under
    ``TYPE_CHECKING``), since the CLI no longer imports ``typing`` on its own."""
    import dataclasses

    from pallet.build.instructions import From

    assert "keyword" not in {f.name for f in dataclasses.fields(From)}
    assert From.keyword == "FROM"


def test_cached_code_keeps_real_annotations(tmp_path: Path) -> None:
    """The cache compiles as dataclasses does: ``__init__``'s annotations are the field types,
    not strings (this module's ``from __future__ import annotations`` must not leak in)."""
    pkg = tmp_path / "dcpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MODULE)
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import pallet._dataclass_cache as c\n"
        "c.install(('dcpkg',))\n"
        "from dcpkg.mod import P\n"
        "assert P.__init__.__annotations__ == {'x': int, 'y': str, 'return': None}, "
        "P.__init__.__annotations__\n"
        "c.save()\n"
    )
    for _ in range(2):  # compiled, then from the cache
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
