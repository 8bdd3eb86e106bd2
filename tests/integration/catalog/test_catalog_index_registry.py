"""``--index-registry``: a second machine finds and pulls what the first built."""

from __future__ import annotations

from pathlib import Path

import pytest

from pallet.testing.registry import LocalRegistry
from tests.conftest import PalletCLI
from tests.integration.catalog.conftest import built, index_routes

pytestmark = [pytest.mark.runc, pytest.mark.registry, pytest.mark.slow]


def _env(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "registries.conf"
    conf.write_text("short-name-mode = 'permissive'\n")
    return {
        "CONTAINERS_REGISTRIES_CONF": str(conf),
        "REGISTRY_AUTH_FILE": str(tmp_path / "auth.json"),
    }


def test_second_root_pulls_instead_of_building(
    pallet: PalletCLI, five: Path, tmp_path: Path, catalog_registry: LocalRegistry
) -> None:
    env = _env(tmp_path)
    repo = f"{catalog_registry.host}/ci-{tmp_path.name.lower()}"
    flags = ("--topsrcdir", str(five), "--index-registry", repo, "--tls-verify=false")
    first = pallet("catalog", "build", *flags, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert len(built(first.stdout)) == 5
    tags = pallet("list-tags", "--tls-verify=false", repo, env=env, check=True).stdout
    digest = index_routes(pallet.root)["leaf1.latest"]["digest"]
    assert f"leaf1-hash-{digest}" in tags and "leaf1-latest" in tags
    assert "leaf1-pushdate-" in tags

    second = PalletCLI(tmp_path / "root2")  # no busybox: nothing can be built there
    out = second("catalog", "build", *flags, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert built(out.stdout) == []
    assert out.stdout.count(": pulled ") == 5
    assert len(index_routes(second.root)) == 15
    run = second("run", "--rm", "leaf2:latest", "cat", "/base", "/m", "/l2", check=True)
    assert run.stdout == "base\nm\nleaf2\n"
    again = second("catalog", "build", *flags, env=env, check=True)
    assert "catalog: 5 indexed" in again.stdout

    third = PalletCLI(tmp_path / "root3")
    loaded = third("catalog", "load", "other", *flags, env=env, check=True)
    assert "other:" in loaded.stdout


def test_push_routes_of_a_built_image(
    pallet: PalletCLI, five: Path, tmp_path: Path, catalog_registry: LocalRegistry
) -> None:
    env = _env(tmp_path)
    top = ("--topsrcdir", str(five))
    pallet("catalog", "build", "base", *top, check=True, timeout=300)
    repo = f"{catalog_registry.host}/push-{tmp_path.name.lower()}"
    out = pallet("catalog", "push", "base", *top, "--index-registry", repo,
                 "--tls-verify=false", env=env, check=True)  # fmt: skip
    assert f"{repo}:base-latest" in out.stdout
    dest = f"{catalog_registry.host}/plain/base:1"
    out = pallet("catalog", "push", "base", dest, *top, "--tls-verify=false", env=env, check=True)
    assert out.stdout.startswith(f"{dest}@sha256:")
