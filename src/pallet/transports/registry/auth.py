"""Registry authentication: Basic, and the Bearer token flow of the distribution spec.

The registry's ``WWW-Authenticate`` challenge (from the ``/v2/`` ping, or from a 401) names a
realm, a service and scopes. For Bearer, a token is fetched from the realm (GET with Basic
credentials, or an OAuth2 POST when only an identity token is known), cached per set of scopes
until shortly before it expires, and fetched again when the registry answers 401 to it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import urlencode

from pallet.errors import RegistryError, Unauthorized
from pallet.transports.config.auth import Credentials
from pallet.transports.registry.challenge import Challenge, parse_challenges
from pallet.transports.registry.errcode import error_from_response
from pallet.transports.registry.http import Transport

__all__ = ["Authenticator", "pull_scope", "push_scope"]

_TOKEN_LIMIT = 1 << 20
_EXPIRY_SLACK = 10.0


def pull_scope(repository: str) -> str:
    return f"repository:{repository}:pull"


def push_scope(repository: str) -> str:
    return f"repository:{repository}:pull,push"


def _pick(challenges: list[Challenge]) -> Challenge | None:
    for scheme in ("bearer", "basic"):
        for c in challenges:
            if c.scheme == scheme:
                return c
    return None


class Authenticator:
    """Authorization headers for one registry host; shared by the threads of a transfer."""

    def __init__(self, transport: Transport, host: str, credentials: Credentials | None) -> None:
        self._transport = transport
        self.host = host
        self.credentials = credentials
        self.challenge: Challenge | None = None
        self._tokens: dict[frozenset[str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def set_challenge(self, header: str) -> None:
        """Record the challenge from a ping or 401 (no-op for an empty header)."""
        picked = _pick(parse_challenges(header)) if header else None
        if picked is not None:
            self.challenge = picked

    def _basic(self) -> str | None:
        c = self.credentials
        if c is None or not (c.username or c.password):
            return None
        return "Basic " + base64.b64encode(f"{c.username}:{c.password}".encode()).decode()

    def header(self, scopes: tuple[str, ...]) -> str | None:
        """The Authorization value for a request needing ``scopes`` (None: anonymous)."""
        ch = self.challenge
        if ch is None:
            return None
        if ch.scheme == "basic":
            return self._basic()
        if ch.scheme != "bearer":
            return None
        key = frozenset(scopes)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return f"Bearer {cached[0]}"
        token, expires_in = self._fetch_token(ch, scopes)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(expires_in - _EXPIRY_SLACK, 1.0))
        return f"Bearer {token}"

    def unauthorized(
        self, www_authenticate: str, scopes: tuple[str, ...], sent: str | None
    ) -> tuple[str, ...] | None:
        """Handle a 401. Returns the scopes to retry with, or None when retrying cannot help
        (the same credentials would be sent again)."""
        self.set_challenge(www_authenticate)
        ch = self.challenge
        if ch is None:
            return None
        with self._lock:
            self._tokens.pop(frozenset(scopes), None)
        if ch.scheme == "basic":
            return scopes if (sent is None and self._basic() is not None) else None
        if ch.scheme == "bearer":  # an expired token, or scopes the registry asks us to add
            return scopes + tuple(s for s in ch.scopes if s not in scopes)
        return None

    def _fetch_token(self, ch: Challenge, scopes: tuple[str, ...]) -> tuple[str, float]:
        if not ch.realm:
            raise RegistryError(f"registry {self.host} sent a Bearer challenge without a realm")
        creds = self.credentials
        all_scopes = list(scopes) or list(ch.scopes)
        if creds is not None and creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.identity_token,
                "client_id": "pallet",
                "service": ch.service,
                "scope": " ".join(all_scopes),
            }
            resp = self._transport.request(
                "POST",
                ch.realm,
                {"Content-Type": "application/x-www-form-urlencoded"},
                urlencode(form).encode(),
            )
        else:
            query = [("service", ch.service)] if ch.service else []
            query += [("scope", s) for s in all_scopes]
            if creds is not None and creds.username:
                query.append(("account", creds.username))
            url = ch.realm
            if query:
                url += ("&" if "?" in url else "?") + urlencode(query)
            headers: dict[str, str] = {}
            basic = self._basic()
            if basic:
                headers["Authorization"] = basic
            resp = self._transport.request("GET", url, headers)
        body = resp.read_all(_TOKEN_LIMIT, "token response")
        if resp.status != 200:
            err = error_from_response(resp.status, body, f"getting a token from {ch.realm}")
            if resp.status in (401, 403):
                raise Unauthorized(
                    f"unable to retrieve auth token: invalid username/password: {err}",
                    code=err.code or "UNAUTHORIZED",
                    status=resp.status,
                )
            raise err
        try:
            obj = json.loads(body)
            token = str(obj.get("token") or obj.get("access_token") or "")
            expires = float(obj.get("expires_in") or 60)
        except (ValueError, AttributeError):
            raise RegistryError(f"invalid token response from {ch.realm}") from None
        if not token:
            raise RegistryError(f"token response from {ch.realm} holds no token")
        return token, expires
