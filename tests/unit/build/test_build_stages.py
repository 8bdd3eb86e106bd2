"""Stage resolution: global ARGs, stage references, ``--target`` pruning and ARG scopes."""

from __future__ import annotations

import pytest
from dockerfile_golden import CORPUS

from pallet.build import BuildPlan, Scope, parse, plan
from pallet.build import instructions as ins
from pallet.errors import BuildError

PLATFORM = {
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDARCH": "amd64",
    "TARGETPLATFORM": "linux/arm64",
    "TARGETOS": "linux",
    "TARGETARCH": "arm64",
}


def _multistage(**kwargs: object) -> BuildPlan:
    text = (CORPUS / "multistage.Dockerfile").read_text()
    return plan(parse(text), platform_args=PLATFORM, **kwargs)  # type: ignore[arg-type]


def test_default_target_is_the_last_stage_and_prunes_unused() -> None:
    result = _multistage()
    assert [(s.index, s.name) for s in result.stages] == [
        (0, "build"),
        (1, "certs"),
        (3, "docs"),
        (4, None),
    ]
    assert result.target == 4
    final = result.stage(4)
    assert final.is_scratch
    assert final.dependencies == (1, 0, 3)
    assert final.images == ("busybox:musl",)


def test_from_lines_expand_global_and_platform_args() -> None:
    result = _multistage(build_args={"GO_VERSION": "1.23"})
    build = result.stage("BUILD")
    assert build.base == "docker.io/library/golang:1.23"
    assert build.platform == "linux/amd64"
    assert build.from_args == {"REGISTRY", "GO_VERSION", "BUILDPLATFORM"}
    assert result.stage("certs").base == "alpine:3.19"
    assert result.global_args == {"GO_VERSION": "1.23", "ALPINE": "3.19", "REGISTRY": "docker.io"}


def test_target_selects_a_stage_and_its_dependencies() -> None:
    result = _multistage(target="test")
    assert [s.name for s in result.stages] == ["build", "test"]
    assert result.stage("test").base == 0
    assert result.stage("test").dependencies == (0,)


def test_unknown_target() -> None:
    with pytest.raises(BuildError, match=r"^target stage 'nope' could not be found$"):
        _multistage(target="nope")


def test_unused_build_args_are_reported() -> None:
    result = _multistage(build_args={"GO_VERSION": "1", "TOOLS": "x", "HTTP_PROXY": "p", "Z": ""})
    assert result.unused_build_args == ("Z",)
    assert _multistage(target="certs", build_args={"TOOLS": "x"}).unused_build_args == ("TOOLS",)


def test_walking_a_stage_resolves_arg_scope_and_reports_used_args() -> None:
    result = _multistage(build_args={"GO_VERSION": "1.23"})
    build = result.stage("build")
    scope = result.scope(build, {"PATH": "/usr/bin"})
    seen = []
    for inst in build.instructions:
        step = scope.expand(inst)
        seen.append((inst.keyword, sorted(step.used)))
        scope = scope.apply(step.instruction)
    assert scope.args == {"TARGETOS": "linux", "TARGETARCH": "arm64", "GO_VERSION": "1.23"}
    assert scope.env == {"PATH": "/usr/bin", "CGO_ENABLED": "0"}
    assert seen == [("ARG", []), ("ARG", []), ("ENV", []), ("RUN", [])]


def _walk(text: str, env: dict[str, str] | None = None, **kwargs: object) -> Scope:
    result = plan(parse(text), **kwargs)  # type: ignore[arg-type]
    stage = result.stages[-1]
    scope = result.scope(stage, env or {})
    for inst in stage.instructions:
        scope = scope.apply(scope.expand(inst).instruction)
    return scope


@pytest.mark.parametrize(
    ("text", "build_args", "expected"),
    [
        ("ARG V=g\nFROM a\nARG V\n", {}, {"V": "g"}),
        ("ARG V=g\nFROM a\nARG V=s\n", {}, {"V": "s"}),
        ("ARG V=g\nFROM a\nARG V=s\n", {"V": "b"}, {"V": "b"}),
        ("ARG V=g\nFROM a\n", {}, {}),
        ("ARG V\nFROM a\nARG V\n", {}, {}),
        ("FROM a\nARG V\n", {"V": "b"}, {"V": "b"}),
        ("FROM a\nARG A=1\nARG B=${A}2\n", {}, {"A": "1", "B": "12"}),
        ("ARG G=1\nARG H=${G}2\nFROM a\nARG H\n", {}, {"H": "12"}),
        ("FROM a\nARG TARGETARCH\n", {}, {"TARGETARCH": "arm64"}),
    ],
)
def test_arg_scopes(text: str, build_args: dict[str, str], expected: dict[str, str]) -> None:
    scope = _walk(text, build_args=build_args, platform_args={"TARGETARCH": "arm64"})
    assert dict(scope.args) == expected


def test_env_overrides_arg_and_is_not_a_build_arg_use() -> None:
    result = plan(parse("FROM a\nARG V=arg\nARG W=w\nENV V=env\nWORKDIR /$V/$W\n"))
    stage = result.stages[0]
    scope = result.scope(stage)
    steps = []
    for inst in stage.instructions:
        step = scope.expand(inst)
        steps.append(step)
        scope = scope.apply(step.instruction)
    workdir = steps[-1]
    assert isinstance(workdir.instruction, ins.Workdir)
    assert workdir.instruction.path == "/env/w"
    assert workdir.used == {"W"}


def test_global_args_are_not_visible_inside_stages_without_redeclaring() -> None:
    result = plan(parse("ARG V=g\nFROM a\nWORKDIR /$V\n"))
    stage = result.stages[0]
    step = result.scope(stage).expand(stage.instructions[0])
    assert isinstance(step.instruction, ins.Workdir) and step.instruction.path == "/"


def test_stage_references_by_index_name_and_arg() -> None:
    text = (
        "FROM a AS one\nFROM b\nFROM c\nARG SRC=one\n"
        "COPY --from=1 x y\nCOPY --from=$SRC x y\nCOPY --from=ONE x y\n"
        "RUN --mount=type=cache,target=/c,from=img:1 true\n"
    )
    result = plan(parse(text))
    last = result.stages[-1]
    assert last.dependencies == (1, 0)
    assert last.images == ("img:1",)
    assert [s.index for s in result.stages] == [0, 1, 2]


def test_from_may_build_on_a_stage_named_later_but_not_in_a_cycle() -> None:
    result = plan(parse("FROM b AS a\nFROM c AS b\n"), target="a")
    assert [(s.index, s.base) for s in result.stages] == [(0, 1), (1, "c")]
    with pytest.raises(
        BuildError, match=r"^Dockerfile:2: circular dependency detected on stage: b$"
    ):
        plan(parse("FROM b AS a\nFROM a AS b\n"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM a AS x\nFROM b AS x\n", "Dockerfile:2: duplicate stage name 'x'"),
        (
            "FROM a AS x\nCOPY --from=x a b\n",
            "Dockerfile:2: circular dependency detected on stage: x",
        ),
        (
            "FROM a AS x\nFROM x AS x2\nFROM scratch AS x3\nFROM x3 AS x\n",
            "Dockerfile:4: duplicate stage name 'x'",
        ),
        (
            "FROM a\nCOPY --from=0 a b\n",
            "Dockerfile:2: invalid from flag value 0: refers to current or future build stage",
        ),
        ("ARG B\nFROM $B\n", "Dockerfile:2: base name ($B) should not be blank"),
        ("ARG B=${\nFROM a\n", "Dockerfile:1: failed to process '${': syntax error: missing '}'"),
    ],
)
def test_stage_errors(text: str, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        plan(parse(text))
    assert str(caught.value) == message


def test_plans_and_stages_are_hashable_values() -> None:
    first, second = _multistage(), _multistage()
    assert first == second
    assert hash(first) == hash(second)
    assert len({*first.stages, *second.stages}) == len(first.stages)
    scope = first.scope(first.stages[0])
    assert hash(scope) == hash(first.scope(first.stages[0]))
