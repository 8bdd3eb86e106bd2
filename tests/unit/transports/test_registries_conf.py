"""registries.conf v2: search registries, mirrors, aliases, drop-ins, blocked, insecure."""

from __future__ import annotations

from pathlib import Path

import pytest

from pallet.errors import InvalidArgument
from pallet.oci.reference import Reference
from pallet.transports.config.registries import load_registries_conf, resolve_short_name

MAIN = """
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "mirror.local:5000"
insecure = true
[[registry.mirror]]
location = "digests.local"
pull-from-mirror = "digest-only"

[[registry]]
location = "evil.example.com"
blocked = true

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"""


def _load(tmp_path: Path, dropins: dict[str, str] | None = None, cache: str | None = None):  # type: ignore[no-untyped-def]
    main = tmp_path / "registries.conf"
    main.write_text(MAIN)
    d = tmp_path / "registries.conf.d"
    d.mkdir()
    for name, text in (dropins or {}).items():
        (d / name).write_text(text)
    cache_path = tmp_path / "cache.conf"
    if cache is not None:
        cache_path.write_text(cache)
    return load_registries_conf(main, dropin_dirs=[d], alias_cache=cache_path)


def test_search_and_mode(tmp_path: Path) -> None:
    conf = _load(tmp_path)
    assert conf.unqualified_search == ("registry.fedoraproject.org", "docker.io")
    assert conf.short_name_mode == "permissive"
    cands = resolve_short_name(Reference.parse("busybox:1"), conf)
    assert [str(c) for c in cands] == [
        "registry.fedoraproject.org/busybox:1",
        "docker.io/library/busybox:1",
    ]


def test_alias_wins_and_keeps_tag(tmp_path: Path) -> None:
    conf = _load(tmp_path)
    (only,) = resolve_short_name(Reference.parse("fedora:39"), conf)
    assert str(only) == "registry.fedoraproject.org/fedora:39"
    qualified = Reference.parse("quay.io/x/y:1")
    assert resolve_short_name(qualified, conf) == [qualified]


def test_mirrors_in_order_then_primary(tmp_path: Path) -> None:
    conf = _load(tmp_path)
    srcs = conf.pull_sources(Reference.parse("docker.io/library/busybox:latest"))
    assert [(str(s.ref), s.insecure, s.mirror) for s in srcs] == [
        ("mirror.local:5000/library/busybox:latest", True, True),
        ("docker.io/library/busybox:latest", False, False),
    ]
    dig = "sha256:" + "a" * 64
    srcs = conf.pull_sources(Reference.parse(f"docker.io/library/busybox@{dig}"))
    assert [s.ref.domain for s in srcs] == ["mirror.local:5000", "digests.local", "docker.io"]
    # pushes never go to a mirror
    assert conf.push_target(Reference.parse("docker.io/library/busybox:1")).ref.domain == (
        "docker.io"
    )


def test_prefix_rewrite_insecure_and_blocked(tmp_path: Path) -> None:
    conf = _load(tmp_path)
    (src,) = conf.pull_sources(Reference.parse("example.com/foo/app:1"))
    assert str(src.ref) == "internal.example.com/bar/app:1" and src.insecure
    assert conf.is_insecure("internal.example.com")
    assert conf.is_insecure("mirror.local:5000")
    assert not conf.is_insecure("docker.io")
    with pytest.raises(InvalidArgument, match="blocked"):
        conf.pull_sources(Reference.parse("evil.example.com/x:1"))
    (other,) = conf.pull_sources(Reference.parse("example.com/foobar/app:1"))
    assert other.ref.domain == "example.com"  # prefix matches whole path components only


def test_dropins_override_and_merge(tmp_path: Path) -> None:
    conf = _load(
        tmp_path,
        {
            "000-shortnames.conf": '[aliases]\n"alpine" = "docker.io/library/alpine"\n',
            "50-local.conf": 'unqualified-search-registries = ["quay.io"]\n'
            '[[registry]]\nlocation = "evil.example.com"\nblocked = false\n',
            "ignored.txt": "not toml at all [",
        },
    )
    assert conf.unqualified_search == ("quay.io",)
    assert conf.alias("alpine") == "docker.io/library/alpine"
    assert conf.alias("fedora") == "registry.fedoraproject.org/fedora"
    assert conf.pull_sources(Reference.parse("evil.example.com/x:1"))
    assert conf.short_name_mode == "permissive"


def test_alias_cache_is_consulted_after_config(tmp_path: Path) -> None:
    conf = _load(
        tmp_path, cache='[aliases]\n"fedora" = "quay.io/wrong"\n"mine" = "quay.io/me/mine"\n'
    )
    assert conf.alias("fedora") == "registry.fedoraproject.org/fedora"
    assert conf.alias("mine") == "quay.io/me/mine"


def test_wildcard_prefix(tmp_path: Path) -> None:
    conf = _load(tmp_path, {"w.conf": '[[registry]]\nprefix = "*.corp.example"\nblocked = true\n'})
    with pytest.raises(InvalidArgument):
        conf.pull_sources(Reference.parse("reg.corp.example/a:1"))


def test_env_var_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "other.conf"
    path.write_text('unqualified-search-registries = ["example.org"]\n')
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(path))
    conf = load_registries_conf(dropin_dirs=[], alias_cache=tmp_path / "none")
    assert conf.unqualified_search == ("example.org",)
    path.write_text('short-name-mode = "sometimes"\n')
    with pytest.raises(InvalidArgument, match="short-name-mode"):
        load_registries_conf(dropin_dirs=[], alias_cache=tmp_path / "none")
    path.write_text("[[registry]\n")
    with pytest.raises(InvalidArgument, match="invalid registries configuration"):
        load_registries_conf(dropin_dirs=[], alias_cache=tmp_path / "none")
