"""The Dockerfile corpus: each ``corpus/*.Dockerfile`` parses to its ``.json`` golden file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dockerfile_golden import CORPUS, dump

from pallet.build import instructions as ins
from pallet.build import parse

DOCKERFILES = sorted(CORPUS.glob("*.Dockerfile"))


def _parse(path: Path) -> str:
    return dump(parse(path.read_text(), filename=path.name))


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.stem)
def test_corpus_matches_golden(path: Path) -> None:
    expected = path.with_suffix(".json").read_text()
    assert _parse(path) == expected


def test_corpus_covers_every_instruction() -> None:
    seen: set[type[ins.Instruction]] = set()
    for path in DOCKERFILES:
        for inst in parse(path.read_text()).instructions:
            seen.add(type(inst))
            if isinstance(inst, ins.Onbuild):
                seen.add(type(inst.trigger))
    expected = {getattr(ins, name) for name in ins.__all__}
    expected = {c for c in expected if isinstance(c, type) and issubclass(c, ins.Instruction)}
    assert seen == expected - {ins.Instruction}


def test_corpus_covers_every_flag_and_mount_type() -> None:
    data = [json.loads(_parse(p)) for p in DOCKERFILES]
    flat = json.dumps(data)
    for needle in (
        '"platform": "$BUILDPLATFORM"',
        '"from_stage": "build"',
        '"chown": "1000:1000"',
        '"chmod": "0644"',
        '"link": true',
        '"parents": true',
        '"keep_git_dir": true',
        '"checksum": "sha256:',
        '"excludes": ["*.md", "docs/"]',
        '"unpack": false',
        '"network": "none"',
        '"security": "sandbox"',
        '"retries": 0',
    ):
        assert needle in flat
    mount_types = {
        m["type"] for doc in data for inst in doc["instructions"] for m in inst.get("mounts", [])
    }
    assert mount_types == {"bind", "cache", "secret", "ssh", "tmpfs"}


def test_directives_are_read_until_the_first_other_line() -> None:
    df = parse((CORPUS / "directives.Dockerfile").read_text())
    assert df.escape == "`"
    assert df.directives.syntax == "docker/dockerfile:1.7"
    assert df.directives.check == "skip=JSONArgsRecommended"


def test_line_numbers_span_continuations_and_heredocs() -> None:
    df = parse((CORPUS / "heredocs.Dockerfile").read_text())
    spans = [(i.keyword, i.line, i.end_line) for i in df.instructions]
    assert spans == [
        ("FROM", 1, 1),
        ("RUN", 2, 4),
        ("RUN", 5, 8),
        ("RUN", 9, 13),
        ("COPY", 14, 18),
        ("COPY", 19, 22),
        ("RUN", 23, 23),
    ]


def test_empty_continuation_lines_warn() -> None:
    df = parse((CORPUS / "continuations.Dockerfile").read_text(), filename="x")
    assert len(df.warnings) == 1
    assert df.warnings[0].startswith("x:3: empty continuation line")
