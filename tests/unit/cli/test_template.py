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
