"""auth.json: where it is, reading with fallbacks and helpers, atomic 0600 writes."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from pallet.transports.config import auth


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    return h


def _entry(user: str, pw: str) -> dict[str, str]:
    return {"auth": base64.b64encode(f"{user}:{pw}".encode()).decode()}


def test_default_path(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert auth.default_auth_path() == tmp_path / "run" / "containers" / "auth.json"
    monkeypatch.setenv("REGISTRY_AUTH_FILE", "/x/auth.json")
    assert auth.default_auth_path() == Path("/x/auth.json")
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    if os.geteuid() == 0:
        assert auth.default_auth_path() == Path("/run/containers/0/auth.json")


def test_store_is_atomic_0600_and_keeps_other_keys(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "run" / "containers" / "auth.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"auths": {"other.io": _entry("o", "p")}, "credHelpers": {}}))
    assert auth.store_credentials("reg.io:5000", "u", "p:w") == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    obj = json.loads(path.read_text())
    assert set(obj["auths"]) == {"other.io", "reg.io:5000"}
    assert "credHelpers" in obj
    assert auth.get_credentials("reg.io:5000") == auth.Credentials("u", "p:w")
    assert [p.name for p in path.parent.iterdir()] == ["auth.json"]  # no temp file left
    assert auth.remove_credentials("reg.io:5000")
    assert not auth.remove_credentials("reg.io:5000")
    assert auth.get_credentials("reg.io:5000") is None


def test_fallback_to_docker_config(home: Path) -> None:
    docker = home / ".docker" / "config.json"
    docker.parent.mkdir()
    docker.write_text(
        json.dumps(
            {
                "auths": {
                    "https://index.docker.io/v1/": _entry("hub", "pw"),
                    "reg.io": _entry("r", "1"),
                }
            }
        )
    )
    assert auth.get_credentials("docker.io") == auth.Credentials("hub", "pw")
    assert auth.get_credentials("reg.io/some/repo") == auth.Credentials("r", "1")
    user = home / ".config" / "containers" / "auth.json"
    user.parent.mkdir(parents=True)
    user.write_text(
        json.dumps({"auths": {"reg.io": _entry("podman", "2"), "reg.io/team": _entry("team", "3")}})
    )
    assert auth.get_credentials("reg.io") == auth.Credentials("podman", "2")
    assert auth.get_credentials("reg.io/team/app") == auth.Credentials("team", "3")
    assert auth.get_credentials("nowhere.io") is None


def test_explicit_file_only(home: Path, tmp_path: Path) -> None:
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {"a.io": _entry("x", "y")}}))
    assert auth.get_credentials("a.io", tmp_path / "missing.json") is None


def _helper(tmp_path: Path, name: str, script: str) -> None:
    b = tmp_path / "bin"
    b.mkdir(exist_ok=True)
    p = b / f"docker-credential-{name}"
    p.write_text("#!/bin/sh\n" + script)
    p.chmod(0o755)


def test_credential_helpers(home: Path, tmp_path: Path) -> None:
    _helper(
        tmp_path,
        "fake",
        'read host; [ "$1" = get ] || exit 2\n'
        'if [ "$host" = "helped.io" ]; then echo \'{"Username":"hu","Secret":"hs"}\';'
        ' else echo "credentials not found in native keychain"; exit 1; fi\n',
    )
    _helper(tmp_path, "tok", 'read host; echo \'{"Username":"<token>","Secret":"refresh"}\'\n')
    cfg = home / ".docker" / "config.json"
    cfg.parent.mkdir()
    cfg.write_text(json.dumps({"credHelpers": {"tok.io": "tok"}, "credsStore": "fake"}))
    assert auth.get_credentials("helped.io") == auth.Credentials("hu", "hs")
    assert auth.get_credentials("unknown.io") is None
    assert auth.get_credentials("tok.io") == auth.Credentials("", "", "refresh")


def test_normalize_key() -> None:
    assert auth.normalize_key("https://index.docker.io/v1/") == "docker.io"
    assert auth.normalize_key("http://reg:5000/v2/") == "reg:5000"
    assert auth.normalize_key("reg.io/ns/repo") == "reg.io/ns/repo"
