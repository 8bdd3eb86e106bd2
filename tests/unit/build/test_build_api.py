"""The public surface of ``pallet.build``: an exact ``__all__``, every name documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

import pallet.build

EXPECTED = {
    "PLATFORM_ARGS",
    "PROXY_ARGS",
    "BuildPlan",
    "Directives",
    "Dockerfile",
    "Expanded",
    "Expansion",
    "IgnoreMatcher",
    "IgnorePattern",
    "Scope",
    "Stage",
    "expand_instruction",
    "expand_word",
    "expand_words",
    "parse",
    "plan",
}

MODULES = [
    "pallet.build",
    "pallet.build.dockerfile",
    "pallet.build.expand",
    "pallet.build.ignore",
    "pallet.build.instructions",
    "pallet.build.stages",
]


def test_all_is_exact() -> None:
    assert set(pallet.build.__all__) == EXPECTED
    assert len(pallet.build.__all__) == len(EXPECTED)
    public = {n for n in vars(pallet.build) if not n.startswith("_")}
    submodules = {
        "dockerfile",
        "expand",
        "ignore",
        "instructions",
        "stages",
        "annotations",
        "cache",
        "context",
        "copier",
        "sources",
        "runner",
        "dispatch",
        "executor",
    }
    assert public - submodules == EXPECTED


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists_and_is_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    for export in module.__all__:
        value = getattr(module, export)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{export} has no docstring"


PURE = ("dockerfile", "expand", "ignore", "instructions", "stages", "__init__")


def test_parser_modules_import_only_stdlib_and_errors() -> None:
    """The parser and planner are pure; the executor modules may use oci/ and archive/."""
    import ast
    import sys
    from pathlib import Path

    root = Path(pallet.build.__file__).parent
    paths = [p for p in root.rglob("*.py") if p.stem in PURE or p.parent.name == "dockerfile"]
    assert len(paths) >= 6
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for mod in names:
                top = mod.split(".")[0]
                ok = top in sys.stdlib_module_names or top == "__future__"
                ok = ok or mod == "pallet.errors" or mod.startswith("pallet.build")
                assert ok, f"{path.name} imports {mod}"
