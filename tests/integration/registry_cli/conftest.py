"""Fixtures for the registry verbs: real docker-registry servers and a CLI runner aimed at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from regcli import Runner

from pallet.testing.registry import LocalRegistry


@pytest.fixture
def reg_env(tmp_path: Path, tls_registry: LocalRegistry) -> dict[str, str]:
    """Environment isolating the CLI from the host's registries.conf and logins."""
    conf = tmp_path / "registries.conf"
    conf.write_text("short-name-mode = 'permissive'\n")
    return {
        "CONTAINERS_REGISTRIES_CONF": str(conf),
        "REGISTRY_AUTH_FILE": str(tmp_path / "auth.json"),
        "PALLET_CERTS_D": str(tls_registry.certs_dir),
    }


@pytest.fixture
def cli(tmp_path: Path, reg_env: dict[str, str]) -> Runner:
    """pallet on a throwaway store root, aimed at the test registries."""
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return Runner(root, reg_env)


@pytest.fixture
def other_cli(tmp_path: Path, reg_env: dict[str, str]) -> Runner:
    """pallet on a second, empty store root."""
    root = tmp_path / "root2"
    root.mkdir()
    return Runner(root, reg_env)


@pytest.fixture
def pushed(cli: Runner, plain_registry: LocalRegistry, busybox_tar: Path) -> str:
    """busybox imported into ``cli``'s store and pushed to the plain registry; its name."""
    import uuid

    name = f"{plain_registry.host}/test/bb-{uuid.uuid4().hex[:8]}:v1"
    cli("import", "--change", 'CMD ["sh"]', str(busybox_tar), name, check=True)
    cli("push", "-q", "--tls-verify=false", name, check=True)
    return name
