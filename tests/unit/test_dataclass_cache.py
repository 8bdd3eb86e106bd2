"""pallet._dataclass_cache: the CLI's cache of the code dataclasses compile."""

from __future__ import annotations


def test_dataclass_code_cache_makes_the_same_classes(tmp_path: object) -> None:
    """The CLI's compiled-code cache must give dataclasses that behave as without it."""
    import dataclasses
    import subprocess
    import sys

    script = (
        "import dataclasses, pallet._dataclass_cache as c\n"
        "c.install('unit-test'); c.install('other')\n"
        "@dataclasses.dataclass(frozen=True, slots=True)\n"
        "class P:\n    '''doc'''\n    x: int\n    y: str = 'a'\n"
        "p = P(1)\n"
        "assert p == P(1, 'a') and hash(p) == hash(P(1)) and repr(p) == \"P(x=1, y='a')\"\n"
        "try:\n    p.x = 2\nexcept dataclasses.FrozenInstanceError:\n    print('frozen')\n"
        "c.save()\n"
    )
    for _ in range(2):  # compiled the first time, from the cache the second
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout == "frozen\n"
    assert dataclasses.is_dataclass(dataclasses.make_dataclass("Q", ["a"]))


def test_scopes_are_separate_files() -> None:
    import os

    import pytest

    from pallet import _dataclass_cache as c

    assert c.cache_path("run") != c.cache_path("ps")
    assert os.path.basename(c.cache_path("list-tags")).startswith("dataclass-code.list-tags.")
    with pytest.raises(ValueError):
        c.cache_path("../x")


def test_deferred_methods_work_on_first_call() -> None:
    """``__eq__``, ``__hash__`` and ``__repr__`` are made when first called, and behave."""
    import subprocess
    import sys

    script = (
        "import dataclasses, pallet._dataclass_cache as c\n"
        "c.install('unit-test-deferred')\n"
        "@dataclasses.dataclass(frozen=True, order=True)\n"
        "class P:\n    x: int\n    y: str = 'a'\n"
        "assert P(1) == P(1) and P(1) != P(2) and P(1) < P(2) and hash(P(1)) == hash(P(1))\n"
        "assert repr(P(1)) == \"P(x=1, y='a')\" and P.__eq__.__name__ == '__eq__'\n"
        "assert sorted([P(3), P(1)]) == [P(1), P(3)] and {P(1): 1}[P(1)] == 1\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ok\n"
