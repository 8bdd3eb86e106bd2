import pytest

from pallet.cli.template import Template
from pallet.errors import InvalidArgument

ROW = {
    "Repository": "localhost/a",
    "Tag": "1",
    "Labels": {"k": "v"},
    "Names": ["x", "y"],
    "Config": {"Cmd": ["sh", "-c", "true"]},
    "Empty": [],
}


@pytest.mark.parametrize(
    ("fmt", "out"),
    [
        ("{{.Repository}}:{{.Tag}}", "localhost/a:1"),
        ("{{json .Labels}}", '{"k":"v"}'),
        ('{{index .Labels "k"}}', "v"),
        ('{{join .Names ","}}', "x,y"),
        ("{{.Config.Cmd}}", "[sh -c true]"),
        ("{{.repository}}", "localhost/a"),
        ("{{range .Names}}<{{.}}>{{end}}", "<x><y>"),
        ("{{if .Empty}}yes{{else}}no{{end}}", "no"),
        ("{{.Tag | json}}", '"1"'),
        ("{{upper .Tag}}x\\t{{len .Names}}", "1x\t2"),
    ],
)
def test_render(fmt: str, out: str) -> None:
    assert Template(fmt).render(ROW) == out


def test_table_headers() -> None:
    t = Template("table {{.Repository}}\t{{.Tag}}")
    assert t.is_table
    assert t.headers({"Repository": "REPOSITORY"}) == "REPOSITORY\tTAG"


def test_unknown_field_and_function_are_errors() -> None:
    with pytest.raises(InvalidArgument, match="can't evaluate field Nope"):
        Template("{{.Nope}}").render(ROW)
    with pytest.raises(InvalidArgument, match='function "frob" not defined'):
        Template("{{frob .Tag}}").render(ROW)
    with pytest.raises(InvalidArgument, match="missing"):
        Template("{{if .Tag}}x")


def test_dataclass_code_cache_makes_the_same_classes(tmp_path: object) -> None:
    """The CLI's compiled-code cache must give dataclasses that behave as without it."""
    import dataclasses
    import subprocess
    import sys

    script = (
        "import dataclasses, pallet._dataclass_cache as c\n"
        "c.install(); c.install()\n"
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
