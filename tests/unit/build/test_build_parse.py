"""Parser behaviour in small cases, and its error messages (always ``file:line: message``)."""

from __future__ import annotations

import pytest

from pallet.build import instructions as ins
from pallet.build import parse
from pallet.errors import BuildError


def _only(text: str) -> ins.Instruction:
    return parse("FROM scratch\n" + text).instructions[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM a\nrUn true\nRUNN x\n", "Dockerfile:3: unknown instruction: RUNN"),
        ("FROM a\n\n\n\n\n\nrunn x\n", "Dockerfile:7: unknown instruction: RUNN"),
        ("RUN x\n", "Dockerfile:1: RUN before the first FROM: no build stage in current context"),
        ("ARG A\n", "Dockerfile: no FROM instruction: the Dockerfile has no build stage"),
        ("# only a comment\n\n", "Dockerfile: file with no instructions"),
        ("FROM\n", "Dockerfile:1: FROM requires either one or three arguments"),
        ("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments"),
        ("FROM a IS b\n", "Dockerfile:1: FROM requires either one or three arguments"),
        (
            "FROM a AS 1st\n",
            "Dockerfile:1: invalid name for build stage: '1st', "
            "name can't start with a number or contain symbols",
        ),
        ("FROM a\nARG\n", "Dockerfile:2: ARG requires at least one argument"),
        ("FROM a\nARG =x\n", "Dockerfile:2: ARG names can not be blank"),
        ("FROM a\nRUN\n", "Dockerfile:2: RUN requires at least one argument"),
        ("FROM a\nENV\n", "Dockerfile:2: ENV requires at least one argument"),
        ("FROM a\nENV A\n", "Dockerfile:2: ENV must have two arguments"),
        ("FROM a\nENV =b\n", "Dockerfile:2: ENV names can not be blank"),
        (
            "FROM a\nLABEL a=b c\n",
            "Dockerfile:2: syntax error - can't find = in 'c'. Must be of the form: name=value",
        ),
        ("FROM a\nCOPY\n", "Dockerfile:2: COPY requires at least two arguments"),
        (
            "FROM a\nCOPY x\n",
            "Dockerfile:2: COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined",
        ),
        ("FROM a\nWORKDIR\n", "Dockerfile:2: WORKDIR requires exactly one argument"),
        ("FROM a\nUSER  \n", "Dockerfile:2: USER requires exactly one argument"),
        ("FROM a\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument"),
        ('FROM a\nVOLUME [""]\n', "Dockerfile:2: VOLUME specified can not be an empty string"),
        (
            "FROM a\nSHELL /bin/sh -c\n",
            "Dockerfile:2: SHELL requires the arguments to be in JSON form",
        ),
        ("FROM a\nSHELL []\n", "Dockerfile:2: SHELL requires at least one argument"),
        ('FROM a\nCMD ["a", 1]\n', "Dockerfile:2: the JSON array must contain strings only"),
        (
            "FROM a\nONBUILD ONBUILD RUN x\n",
            "Dockerfile:2: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        ),
        ("FROM a\nONBUILD FROM b\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"),
        ("FROM a\nONBUILD RUNX b\n", "Dockerfile:2: unknown instruction: RUNX"),
        ("FROM a\nHEALTHCHECK\n", "Dockerfile:2: HEALTHCHECK requires at least one argument"),
        ("FROM a\nHEALTHCHECK NONE x\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"),
        ("FROM a\nHEALTHCHECK CMD\n", "Dockerfile:2: missing command after HEALTHCHECK CMD"),
        (
            "FROM a\nHEALTHCHECK RUN x\n",
            'Dockerfile:2: unknown type "RUN" in HEALTHCHECK (try CMD)',
        ),
        ("FROM a\nHEALTHCHECK --interval=5x CMD x\n", "Dockerfile:2: invalid duration '5x'"),
        ("FROM a\nHEALTHCHECK --timeout=-1s CMD x\n", "Dockerfile:2: --timeout cannot be negative"),
        (
            "FROM a\nHEALTHCHECK --interval=10us CMD x\n",
            "Dockerfile:2: --interval cannot be less than 1ms",
        ),
        (
            "FROM a\nHEALTHCHECK --retries=-1 CMD x\n",
            "Dockerfile:2: --retries cannot be negative (-1)",
        ),
        ("FROM a\nCOPY --frm=x a b\n", "Dockerfile:2: unknown flag: frm"),
        ("FROM a\nADD --from=x a b\n", "Dockerfile:2: unknown flag: from"),
        ("FROM a\nENV --x=1 a=b\n", "Dockerfile:2: unknown flag: x"),
        ("FROM a\nCOPY --from a b\n", "Dockerfile:2: missing a value on flag: from"),
        ("FROM a\nCOPY --from=x --from=y a b\n", "Dockerfile:2: duplicate flag specified: from"),
        (
            "FROM a\nCOPY --link=maybe a b\n",
            "Dockerfile:2: expecting boolean value for flag link, not: maybe",
        ),
        ("FROM a\nRUN --network=bridge x\n", "Dockerfile:2: unsupported network mode 'bridge'"),
        ("FROM a\nRUN --security=root x\n", "Dockerfile:2: unsupported security mode 'root'"),
        (
            "FROM a\nRUN --mount=type=nfs,target=/x y\n",
            "Dockerfile:2: unsupported mount type 'nfs'",
        ),
        ("FROM a\nRUN --mount=type=cache y\n", "Dockerfile:2: mount type=cache requires a target"),
        (
            "FROM a\nRUN --mount=target=/x,colour=red y\n",
            "Dockerfile:2: unexpected key 'colour' in 'colour=red'",
        ),
        (
            "FROM a\nRUN --mount=type=cache,target=/x,sharing=all y\n",
            "Dockerfile:2: unsupported sharing value 'all'",
        ),
        (
            "FROM a\nRUN --mount=type=secret,id=x,uid=root y\n",
            "Dockerfile:2: invalid value for uid: root",
        ),
        ("# escape=x\nFROM a\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"),
        (
            "# escape=`\n# escape=`\nFROM a\n",
            "Dockerfile:2: only one escape parser directive can be used",
        ),
        ("FROM a\nRUN <<EOF\nno end\n", "Dockerfile:2: unterminated heredoc EOF"),
    ],
)
def test_parse_errors(text: str, expected: str) -> None:
    with pytest.raises(BuildError) as caught:
        parse(text)
    assert str(caught.value) == expected


def test_errors_name_the_file() -> None:
    with pytest.raises(BuildError, match=r"^app/Containerfile:2: unknown instruction: NOPE$"):
        parse("FROM a\nnope\n", filename="app/Containerfile")


def test_instructions_are_case_insensitive() -> None:
    df = parse("from a as B\nrun x\nCoPy a b\nhealthcheck none\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "COPY", "HEALTHCHECK"]
    first = df.instructions[0]
    assert isinstance(first, ins.From) and first.name == "b"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ('CMD ["a", "b c"]', ins.Command(("a", "b c"), shell=False)),
        ("CMD a b  c", ins.Command(("a b  c",), shell=True)),
        ('CMD ["unterminated"', ins.Command(('["unterminated"',), shell=True)),
        ("CMD [not json]", ins.Command(("[not json]",), shell=True)),
        ("CMD []", ins.Command((), shell=False)),
        ("CMD", ins.Command((), shell=False)),
        ('ENTRYPOINT ["/bin/x"]', ins.Command(("/bin/x",), shell=False)),
    ],
)
def test_exec_and_shell_forms(text: str, command: ins.Command) -> None:
    inst = _only(text)
    assert isinstance(inst, ins.Cmd | ins.Entrypoint)
    assert inst.command == command


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("ENV a=b c=d", [("a", "b"), ("c", "d")]),
        ('ENV a="b c" d=e\\ f', [("a", '"b c"'), ("d", "e\\ f")]),
        ("ENV a b c", [("a", "b c")]),
        ("ENV a=", [("a", "")]),
        ("ENV a='x y'z", [("a", "'x y'z")]),
        ('LABEL "k 1"="v 1"', [('"k 1"', '"v 1"')]),
    ],
)
def test_key_value_words_keep_quotes_for_expansion(text: str, pairs: list[tuple[str, str]]) -> None:
    inst = _only(text)
    assert isinstance(inst, ins.Env | ins.Label)
    assert [(p.key, p.value) for p in inst.pairs] == pairs


def test_arg_declares_several_names() -> None:
    inst = _only('ARG A B=1 C="x y"')
    assert isinstance(inst, ins.Arg)
    assert inst.args == (ins.ArgDecl("A"), ins.ArgDecl("B", "1"), ins.ArgDecl("C", '"x y"'))


def test_flags_take_quotes_and_stop_at_double_dash() -> None:
    inst = _only('COPY --chown="a b" -- --weird dest')
    assert isinstance(inst, ins.Copy)
    assert inst.chown == "a b"
    assert inst.sources == ("--weird",)


def test_comment_lines_inside_continuation_are_dropped() -> None:
    inst = _only("RUN a \\\n# gone\n  b")
    assert isinstance(inst, ins.Run)
    assert inst.command.argv == ("a   b",)
    assert inst.original == "RUN a   b"


def test_hash_inside_a_line_is_not_a_comment() -> None:
    inst = _only("RUN echo a # b")
    assert isinstance(inst, ins.Run)
    assert inst.command.argv == ("echo a # b",)


def test_backtick_escape_leaves_backslashes_alone() -> None:
    df = parse("# escape=`\nFROM a\nRUN echo \\ `\n  b\n")
    run = df.instructions[1]
    assert isinstance(run, ins.Run)
    assert run.command.argv == ("echo \\   b",)


def test_crlf_and_bom_are_tolerated() -> None:
    df = parse("\ufeffFROM a\r\nRUN x \\\r\n y\r\n")
    run = df.instructions[1]
    assert isinstance(run, ins.Run)
    assert run.command.argv == ("x  y",)


def test_heredoc_chomp_strips_only_leading_tabs() -> None:
    inst = _only("RUN <<-EOF\n\t\ta\n  b\n\tEOF\n")
    assert isinstance(inst, ins.Run)
    assert inst.heredocs[0].content == "a\n  b\n"


def test_heredoc_is_not_read_for_exec_form_or_other_instructions() -> None:
    df = parse('FROM a\nRUN ["cat", "<<EOF"]\nENV x=<<EOF\n')
    run, env = df.instructions[1:]
    assert isinstance(run, ins.Run) and run.heredocs == ()
    assert isinstance(env, ins.Env) and env.pairs[0].value == "<<EOF"


def test_copy_mixes_heredoc_and_path_sources() -> None:
    inst = _only("COPY a.txt <<EOF b.txt /dst/\nbody\nEOF\n")
    assert isinstance(inst, ins.Copy)
    assert inst.sources == ("a.txt", "b.txt")
    assert [d.name for d in inst.contents] == ["EOF"]
    assert inst.dest == "/dst/"


def test_onbuild_trigger_is_parsed_with_its_flags() -> None:
    inst = _only("ONBUILD COPY --from=x a b")
    assert isinstance(inst, ins.Onbuild)
    assert inst.expression == "COPY --from=x a b"
    assert isinstance(inst.trigger, ins.Copy) and inst.trigger.from_stage == "x"
