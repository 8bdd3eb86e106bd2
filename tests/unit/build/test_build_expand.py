"""ARG/ENV substitution tables, following BuildKit's shell lexer."""

from __future__ import annotations

import pytest

from pallet.build import expand_instruction, expand_word, parse
from pallet.build import instructions as ins
from pallet.errors import BuildError

ENV = {"A": "a", "EMPTY": "", "SP": "x  y", "PATH": "/usr/local/bin:/usr/bin:/bin", "F": "f.tar.gz"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$A", "a"),
        ("${A}", "a"),
        ("pre${A}post", "preapost"),
        ("$Apost", ""),
        ("$UNSET", ""),
        ("${UNSET}", ""),
        ("$", "$"),
        ("a$", "a$"),
        ("$-x", "x"),
        ("\\$A", "$A"),
        ("\\\\$A", "\\a"),
        ("'$A'", "$A"),
        ('"$A"', "a"),
        ('"\\$A"', "$A"),
        ('"a\\b"', "a\\b"),
        ('"\\""', '"'),
        ("'a\\b'", "a\\b"),
        ("a\\ b", "a b"),
        ("\"x\"'y'z", "xyz"),
        ("${UNSET:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),
        ("${EMPTY-dflt}", ""),
        ("${UNSET-dflt}", "dflt"),
        ("${A:-dflt}", "a"),
        ("${A:-$SP}", "a"),
        ("${UNSET:-$A-x}", "a-x"),
        ("${UNSET:-'q w'}", "q w"),
        ("${A:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("${A:?boom}", "a"),
        ("${EMPTY?boom}", ""),
        ("${F#*.}", "tar.gz"),
        ("${F##*.}", "gz"),
        ("${F%.*}", "f.tar"),
        ("${F%%.*}", "f"),
        ("${PATH#*:}", "/usr/bin:/bin"),
        ("${PATH##*:}", "/bin"),
        ("${PATH%:*}", "/usr/local/bin:/usr/bin"),
        ("${PATH%%:*}", "/usr/local/bin"),
        ("${F#nomatch}", "f.tar.gz"),
        ("${F%\\*}", "f.tar.gz"),
        ("${F#f?}", "tar.gz"),
        ("${F/tar/zip}", "f.zip.gz"),
        ("${PATH//bin/sbin}", "/usr/local/sbin:/usr/sbin:/sbin"),
        ("${UNSET#x}", ""),
    ],
)
def test_expand_word(word: str, expected: str) -> None:
    assert expand_word(word, ENV).value == expected


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${A", "syntax error: missing '}'"),
        ("${", "syntax error: missing '}'"),
        ("${}", "syntax error: bad substitution"),
        ("${:-x}", "syntax error: bad substitution"),
        ("${A!x}", "unsupported modifier (!) in substitution"),
        ("${A:=x}", "unsupported modifier (:=) in substitution"),
        ("${UNSET:?}", "UNSET: is not allowed to be unset"),
        ("${EMPTY:?}", "EMPTY: is not allowed to be empty"),
        ("${UNSET?need it}", "UNSET: need it"),
        ("'open", "unexpected end of statement while looking for matching single-quote"),
        ('"open', "unexpected end of statement while looking for matching double-quote"),
    ],
)
def test_expand_word_errors(word: str, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        expand_word(word, ENV)
    assert str(caught.value) == f"failed to process {word!r}: {message}"


@pytest.mark.parametrize(
    ("word", "used", "missing"),
    [
        ("$A", {"A"}, set()),
        ("${A}-$B-${EMPTY:-x}", {"A", "EMPTY"}, {"B"}),
        ("'$A' $SP", {"SP"}, set()),
        ("\\$A", set(), set()),
        ("${UNSET:-$A}", {"A"}, {"UNSET"}),
    ],
)
def test_expand_reports_names_used(word: str, used: set[str], missing: set[str]) -> None:
    result = expand_word(word, ENV)
    assert result.used == used
    assert result.missing == missing


@pytest.mark.parametrize(
    ("word", "words"),
    [
        ("a b  c", ("a", "b", "c")),
        ("$SP z", ("x", "y", "z")),
        ('"$SP" z', ("x  y", "z")),
        ("'a b' c", ("a b", "c")),
        ("a\\ b c", ("a b", "c")),
        ('"" x', ("x",)),
    ],
)
def test_word_splitting(word: str, words: tuple[str, ...]) -> None:
    assert expand_word(word, ENV).words == words


def test_backtick_escape() -> None:
    assert expand_word("`$A\\", ENV, escape="`").value == "$A\\"


def test_raw_mode_keeps_quotes_and_escapes() -> None:
    result = expand_word("echo '$A' \"$A\" \\$A", ENV, raw_quotes=True, raw_escapes=True)
    assert result.value == "echo '$A' \"a\" \\$A"


def _stage(text: str) -> list[ins.Instruction]:
    return list(parse("FROM scratch\n" + text).instructions[1:])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ENV X=$A Y=\"$SP\" Z='$A'", "ENV X=a Y=x  y Z=$A"),
        ("ENV OLD $A and $A", "ENV OLD=a and a"),
        ('LABEL "k $A"="v $A"', "LABEL k a=v a"),
        ("ARG N=${A}1 M", "ARG N=a1 M"),
        ("WORKDIR /src/$A", "WORKDIR /src/a"),
        ("USER ${A}:${A}", "USER a:a"),
        ("STOPSIGNAL SIG$A", "STOPSIGNAL SIGa"),
        ("VOLUME /v/$A [x]", "VOLUME /v/a [x]"),
        ("EXPOSE $PORTS 22", "EXPOSE 80 443 22"),
    ],
)
def test_expand_instruction(text: str, expected: str) -> None:
    env = {**ENV, "PORTS": "80 443"}
    inst = expand_instruction(_stage(text)[0], env).instruction
    assert _render(inst) == expected


def _render(inst: ins.Instruction) -> str:
    match inst:
        case ins.Env(pairs=pairs) | ins.Label(pairs=pairs):
            return inst.keyword + " " + " ".join(f"{p.key}={p.value}" for p in pairs)
        case ins.Arg(args=args):
            decls = (a.name + ("" if a.default is None else f"={a.default}") for a in args)
            return "ARG " + " ".join(decls)
        case ins.Workdir(path=value) | ins.User(user=value) | ins.StopSignal(signal=value):
            return f"{inst.keyword} {value}"
        case ins.Volume(paths=words) | ins.Expose(ports=words):
            return f"{inst.keyword} " + " ".join(words)
    raise AssertionError(inst)


def test_copy_expands_paths_flags_and_unquoted_heredocs() -> None:
    copy, quoted = _stage(
        "COPY --from=$A --chown=$A:$A --chmod=$M <<EOF $A.txt /dst/$A/\n$A \"$A\" '$A'\nEOF\n"
        "COPY <<'EOF' /x\n$A\nEOF\n"
    )
    result = expand_instruction(copy, {**ENV, "M": "755"})
    out = result.instruction
    assert isinstance(out, ins.Copy)
    assert (out.from_stage, out.chown, out.chmod) == ("a", "a:a", "755")
    assert out.sources == ("a.txt",) and out.dest == "/dst/a/"
    # As in BuildKit, quotes stay in the body and single quotes still stop substitution.
    assert out.contents[0].content == "a \"a\" '$A'\n"
    assert result.used == {"A", "M"}
    kept = expand_instruction(quoted, ENV).instruction
    assert isinstance(kept, ins.Copy) and kept.contents[0].content == "$A\n"


def test_run_cmd_entrypoint_are_not_expanded_but_mounts_are() -> None:
    run, cmd, entry, onbuild = _stage(
        "RUN --mount=type=cache,target=/c/$A,id=$A echo $A\nCMD echo $A\n"
        'ENTRYPOINT ["$A"]\nONBUILD WORKDIR $A\n'
    )
    out = expand_instruction(run, ENV).instruction
    assert isinstance(out, ins.Run)
    assert out.command.argv == ("echo $A",)
    assert (out.mounts[0].target, out.mounts[0].id) == ("/c/a", "a")
    for inst in (cmd, entry, onbuild):
        result = expand_instruction(inst, ENV)
        assert result.instruction is inst and result.used == frozenset()


def test_expand_instruction_errors_carry_file_and_line() -> None:
    inst = _stage("\n\nWORKDIR ${A")[0]
    with pytest.raises(BuildError, match=r"^Containerfile:4: failed to process '\$\{A'"):
        expand_instruction(inst, ENV, filename="Containerfile")
