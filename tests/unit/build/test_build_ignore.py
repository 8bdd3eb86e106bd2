""".dockerignore tables: Go filepath.Match plus ``**``, ``!`` exceptions, last match wins."""

from __future__ import annotations

import pytest

from pallet.build import IgnoreMatcher
from pallet.errors import BuildError


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("*", "a", True),
        ("*", "a/b/c", True),
        ("*", "Dockerfile", True),
        ("*\n!Dockerfile", "Dockerfile", False),
        ("*\n!Dockerfile", "src/x", True),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("**/*.md", "docs/deep/README.md", True),
        ("**/*.md", "README.md", True),
        ("docs/**", "docs/a/b", True),
        ("docs/**", "docsx", False),
        ("**", "anything/at/all", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "a/x/y/c", False),
        ("node_modules", "node_modules/pkg/index.js", True),
        ("node_modules", "src/node_modules", False),
        ("/node_modules", "node_modules/x", True),
        ("./build/", "build/out.o", True),
        ("build//x/../y", "build/y", True),
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("?", "a/b", True),
        ("[a-c].go", "b.go", True),
        ("[a-c].go", "d.go", False),
        ("[^a-c].go", "d.go", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("*/temp*", "dir/temporary", True),
        ("*/temp*", "dir/sub/temporary", False),
        ("temp?", "temp/x", False),
        ("*.log\n!important.log", "important.log", False),
        ("*.log\n!important.log\n*.log", "important.log", True),
        ("!x\nx", "x", True),
        ("x\n!x", "x", False),
        ("dir\n!dir/keep", "dir/keep", False),
        ("dir\n!dir/keep", "dir/keep/sub", False),
        ("dir\n!dir/keep", "dir/drop", True),
        ("# comment\n  \n   a   ", "a", True),
        ("# a", "# a", False),
        (" # not a comment", "# not a comment", True),
        ("", "a", False),
    ],
)
def test_excluded(patterns: str, path: str, excluded: bool) -> None:
    assert IgnoreMatcher.from_text(patterns).excluded(path) is excluded


@pytest.mark.parametrize("path", ["./a/b", "a//b", "a/./b", "/a/b", "a/b/"])
def test_paths_are_cleaned(path: str) -> None:
    assert IgnoreMatcher.from_text("a/b").excluded(path)


@pytest.mark.parametrize(
    ("patterns", "directory", "skip"),
    [
        ("node_modules", "node_modules", True),
        ("node_modules", "src", False),
        ("*\n!src/keep", "src", False),
        ("*\n!src/keep", "vendor", True),
        ("*\n!*/keep", "vendor", False),
        ("*\n!**/keep", "vendor", False),
        ("build\n!build", "build", False),
        ("a/b\n!a/c", "a/b", True),
        ("a\n!a/b/c", "a/b", False),
        ("a\n!a/b/c", "a/x", True),
        ("a\n![ab]/b", "a", False),
    ],
)
def test_may_skip_dir(patterns: str, directory: str, skip: bool) -> None:
    assert IgnoreMatcher.from_text(patterns).may_skip_dir(directory) is skip


def test_patterns_are_kept_clean_and_in_order() -> None:
    matcher = IgnoreMatcher.from_text("./a/\n! /b\n/c//d")
    assert [(p.pattern, p.exclusion) for p in matcher.patterns] == [
        ("a", False),
        ("b", True),
        ("c/d", False),
    ]


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ("!", 'illegal exclusion pattern: "!"'),
        ("[abc", "invalid ignore pattern '[abc': unclosed ["),
        ("abc\\", "invalid ignore pattern 'abc\\\\': trailing backslash"),
    ],
)
def test_bad_patterns(patterns: str, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        IgnoreMatcher.from_text(patterns)
    assert str(caught.value) == message
