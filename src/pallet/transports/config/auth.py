"""``auth.json``: registry credentials where podman, skopeo and buildah keep them.

Writes go to ``$REGISTRY_AUTH_FILE``, else ``$XDG_RUNTIME_DIR/containers/auth.json`` (root
without ``XDG_RUNTIME_DIR``: ``/run/containers/0/auth.json``), atomically and with mode 0600.
Reads try that file, then ``~/.config/containers/auth.json`` and ``~/.docker/config.json``. In
each file a ``credHelpers`` entry for the registry, then the ``auths`` entries (most specific
``host/namespace`` key first), then ``credsStore`` are consulted; helpers are run as
``docker-credential-NAME get``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pallet.errors import InvalidArgument, PalletError

__all__ = [
    "AuthFile",
    "Credentials",
    "default_auth_path",
    "get_credentials",
    "normalize_key",
    "remove_credentials",
    "store_credentials",
]

_DOCKER_HUB_KEYS = {"index.docker.io", "registry-1.docker.io", "docker.io"}


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username and password, or an identity (refresh) token from a helper or login."""

    username: str
    password: str
    identity_token: str = ""


def default_auth_path() -> Path:
    """Where ``login`` writes: the file podman and skopeo use for this user."""
    env = os.environ.get("REGISTRY_AUTH_FILE")
    if env:
        return Path(env)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "containers" / "auth.json"
    if os.geteuid() == 0:
        return Path("/run/containers/0/auth.json")
    return Path.home() / ".config" / "containers" / "auth.json"


def _read_paths(explicit: str | os.PathLike[str] | None) -> list[Path]:
    if explicit:
        return [Path(explicit)]
    home = Path.home()
    paths = [
        default_auth_path(),
        home / ".config" / "containers" / "auth.json",
        home / ".docker" / "config.json",
    ]
    seen: list[Path] = []
    for p in paths:
        if p not in seen:
            seen.append(p)
    return seen


def normalize_key(key: str) -> str:
    """``https://index.docker.io/v1/`` → ``docker.io``; ``host/v2/`` → ``host``."""
    key = key.removeprefix("https://").removeprefix("http://").rstrip("/")
    for suffix in ("/v1", "/v2"):
        key = key.removesuffix(suffix)
    host, sep, rest = key.partition("/")
    if host in _DOCKER_HUB_KEYS:
        host = "docker.io"
    return host + sep + rest


def _decode(entry: dict[str, Any]) -> Credentials | None:
    token = str(entry.get("identitytoken") or "")
    auth = entry.get("auth")
    if auth:
        try:
            user, _, password = base64.b64decode(str(auth)).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidArgument("invalid auth entry in auth file: bad base64") from None
        return Credentials(user, password, token)
    if entry.get("username"):
        return Credentials(str(entry["username"]), str(entry.get("password", "")), token)
    if token:
        return Credentials("", "", token)
    return None


def _helper_get(helper: str, host: str) -> Credentials | None:
    try:
        proc = subprocess.run(
            [f"docker-credential-{helper}", "get"],
            input=host.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        raise PalletError(f"credential helper docker-credential-{helper} not found") from None
    if proc.returncode != 0:
        if b"credentials not found" in proc.stdout + proc.stderr:
            return None
        msg = (proc.stderr or proc.stdout).decode(errors="replace").strip()
        raise PalletError(f"credential helper docker-credential-{helper}: {msg}")
    try:
        obj = json.loads(proc.stdout)
    except ValueError:
        raise PalletError(f"credential helper docker-credential-{helper}: bad output") from None
    user, secret = str(obj.get("Username", "")), str(obj.get("Secret", ""))
    if user == "<token>":
        return Credentials("", "", secret)
    return Credentials(user, secret)


@dataclass(frozen=True, slots=True)
class AuthFile:
    """One auth.json (or docker config.json) file."""

    path: Path

    def load(self) -> dict[str, Any]:
        """The file's JSON object; ``{}`` when it does not exist."""
        try:
            obj = json.loads(self.path.read_bytes() or b"{}")
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise InvalidArgument(f"invalid auth file {self.path}: {exc}") from None
        if not isinstance(obj, dict):
            raise InvalidArgument(f"invalid auth file {self.path}: not a JSON object")
        return obj

    def lookup(self, key: str) -> Credentials | None:
        """Credentials for ``host`` or ``host/namespace/repo`` (most specific entry wins)."""
        obj = self.load()
        key = normalize_key(key)
        host = key.split("/", 1)[0]
        helpers = obj.get("credHelpers") or {}
        for hkey, helper in helpers.items():
            if normalize_key(str(hkey)) == host:
                return _helper_get(str(helper), str(hkey))
        auths = {normalize_key(str(k)): v for k, v in (obj.get("auths") or {}).items()}
        parts = key.split("/")
        for n in range(len(parts), 0, -1):
            entry = auths.get("/".join(parts[:n]))
            if isinstance(entry, dict):
                creds = _decode(entry)
                if creds is not None:
                    return creds
        store = obj.get("credsStore")
        if store:
            return _helper_get(str(store), host)
        return None

    def save(self, obj: dict[str, Any]) -> None:
        """Replace the file atomically (temp file, fsync, rename) with mode 0600."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".auth-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                os.fchmod(fh.fileno(), 0o600)
                json.dump(obj, fh, indent="\t")
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def get_credentials(
    key: str, auth_file: str | os.PathLike[str] | None = None
) -> Credentials | None:
    """The first credentials found for ``key`` (a host or ``host/repo``) in the read order."""
    for path in _read_paths(auth_file):
        creds = AuthFile(path).lookup(key)
        if creds is not None:
            return creds
    return None


def store_credentials(
    key: str, username: str, password: str, auth_file: str | os.PathLike[str] | None = None
) -> Path:
    """Record a login for ``key``; return the file written."""
    f = AuthFile(Path(auth_file) if auth_file else default_auth_path())
    obj = f.load()
    auths = obj.setdefault("auths", {})
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    auths[normalize_key(key)] = {"auth": token}
    f.save(obj)
    return f.path


def remove_credentials(key: str, auth_file: str | os.PathLike[str] | None = None) -> bool:
    """Forget the login for ``key``; True when there was one to forget."""
    f = AuthFile(Path(auth_file) if auth_file else default_auth_path())
    obj = f.load()
    auths = obj.get("auths") or {}
    want = normalize_key(key)
    keys = [k for k in auths if normalize_key(str(k)) == want]
    for k in keys:
        del auths[k]
    if keys:
        f.save(obj)
    return bool(keys)
