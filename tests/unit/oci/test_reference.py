import pytest

from pallet.errors import InvalidReference
from pallet.oci.reference import Reference


@pytest.mark.parametrize(
    ("text", "qualified", "hub"),
    [
        ("busybox", "localhost/busybox:latest", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "localhost/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("user/app", "localhost/user/app:latest", "docker.io/user/app:latest"),
        ("localhost/foo", "localhost/foo:latest", "localhost/foo:latest"),
        ("quay.io/a/b:c", "quay.io/a/b:c", "quay.io/a/b:c"),
        ("127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "127.0.0.1:5000/x:latest"),
        (
            "docker.io/library/debian:12",
            "docker.io/library/debian:12",
            "docker.io/library/debian:12",
        ),
        ("docker://reg.example:443/a:b", "reg.example:443/a:b", "reg.example:443/a:b"),
    ],
)
def test_normalisation(text: str, qualified: str, hub: str) -> None:
    ref = Reference.parse(text)
    assert str(ref.qualify()) == qualified
    assert str(ref.docker_hub()) == hub


def test_digest_reference_keeps_digest_and_gets_no_tag() -> None:
    d = "sha256:" + "ab" * 32
    ref = Reference.parse(f"quay.io/x/y@{d}")
    assert ref.digest == d and ref.tag == ""
    assert str(ref.qualify()) == f"quay.io/x/y@{d}"


def test_familiar_form_drops_docker_hub() -> None:
    assert Reference.parse("docker.io/library/busybox:1").familiar == "busybox:1"
    assert Reference.parse("docker.io/me/app:1").familiar == "me/app:1"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Foo", "lowercase"),
        ("a:b:c", ""),
        ("-lead", ""),
        ("a@sha256:zz", "digest"),
        ("a:" + "t" * 200, "tag"),
        ("x/", ""),
        ("a//b", ""),
    ],
)
def test_malformed_references_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidReference, match="invalid reference format") as info:
        Reference.parse(text)
    assert reason in str(info.value)
