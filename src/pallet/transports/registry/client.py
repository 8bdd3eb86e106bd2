"""``RegistryClient``: one registry host, spoken to as the OCI distribution spec describes.

It pings ``/v2/`` once to learn the scheme (https, or http when TLS verification is off) and the
auth challenge, then sends each request with the right Authorization for its scopes, retrying
with backoff on 408/429/5xx and on connection failures (``RegistryOptions.retries`` times),
and once on a 401 with a fresh token. Failures become RegistryError in docker's wording.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import ssl
import threading
import time
from urllib.parse import quote

from pallet.errors import DigestMismatch, RegistryError
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.digest import Digest
from pallet.transports.config.auth import Credentials, get_credentials
from pallet.transports.config.certs import find_tls_files
from pallet.transports.registry.auth import Authenticator, pull_scope, push_scope
from pallet.transports.registry.errcode import error_from_response, is_temporary_status
from pallet.transports.registry.http import Body, Response, Transport, next_link
from pallet.transports.registry.options import RegistryOptions

__all__ = ["MANIFEST_LIMIT", "RegistryClient"]

MANIFEST_LIMIT = 4 << 20
_MAX_DELAY = 10.0
_HUB_ENDPOINT = {"docker.io": "registry-1.docker.io"}


class RegistryClient:
    """A client for one registry host (``HOST[:PORT]`` as written in references)."""

    def __init__(
        self, host: str, opts: RegistryOptions | None = None, *, insecure: bool = False
    ) -> None:
        self.host = host
        self.opts = opts or RegistryOptions()
        self.endpoint = _HUB_ENDPOINT.get(host, host)
        self.verify = self.opts.tls_verify if self.opts.tls_verify is not None else not insecure
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.transport = Transport(
            self._context, timeout=self.opts.timeout, user_agent=self.opts.user_agent
        )
        creds: Credentials | None
        if self.opts.credentials is not None:
            creds = Credentials(*self.opts.credentials)
        else:
            creds = get_credentials(host, self.opts.auth_file)
        self.auth = Authenticator(self.transport, host, creds)
        self.base = ""

    def close(self) -> None:
        self.transport.close()

    def _context(self, netloc: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(netloc)
            if ctx is not None:
                return ctx
            ctx = ssl.create_default_context()
            if netloc == self.endpoint and not self.verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            files = find_tls_files(netloc, self.opts.certs_dir)
            for ca in files.ca_files:
                ctx.load_verify_locations(cafile=str(ca))
            for cert, key in files.client_pairs:
                ctx.load_cert_chain(str(cert), str(key))
            self._contexts[netloc] = ctx
            return ctx

    def _sleep(self, attempt: int, retry_after: str = "") -> None:
        delay = self.opts.backoff * (2**attempt)
        if retry_after.isdigit():
            delay = float(retry_after)
        time.sleep(min(delay, _MAX_DELAY))

    def ping(self) -> None:
        """Find the scheme and the auth challenge (once; later calls return at once)."""
        with self._lock:
            if self.base:
                return
        schemes = ("https",) if self.verify else ("https", "http")
        context = f"pinging container registry {self.host}"
        failure: Exception | None = None
        for scheme in schemes:
            base = f"{scheme}://{self.endpoint}"
            for attempt in range(self.opts.retries + 1):
                try:
                    resp = self.transport.request("GET", base + "/v2/", {})
                except ssl.SSLError as exc:
                    failure = exc
                    break
                except (OSError, http.client.HTTPException) as exc:
                    failure = exc
                    if attempt < self.opts.retries and scheme == schemes[-1]:
                        self._sleep(attempt)
                        continue
                    break
                body = resp.drain()
                if resp.status in (200, 401):
                    self.auth.set_challenge(resp.header("WWW-Authenticate"))
                    with self._lock:
                        self.base = base
                    return
                if is_temporary_status(resp.status) and attempt < self.opts.retries:
                    self._sleep(attempt, resp.header("Retry-After"))
                    continue
                raise error_from_response(resp.status, body, context)
        raise RegistryError(f"{context}: {failure}", temporary=True)

    def request(
        self,
        method: str,
        url: str,
        *,
        scopes: tuple[str, ...],
        context: str,
        headers: dict[str, str] | None = None,
        body: Body = None,
        ok: tuple[int, ...] = (200,),
        retry: bool = True,
    ) -> Response:
        """Send with auth, retries and redirects; return a response whose status is in ``ok``.

        ``url`` is absolute or a path under the registry. The caller reads or closes it.
        """
        self.ping()
        if "://" not in url:
            url = self.base + url
        retries = self.opts.retries if retry else 0
        attempt = 0
        auth_retried = False
        while True:
            hdrs = dict(headers or {})
            try:
                authz = self.auth.header(scopes)
                if authz:
                    hdrs["Authorization"] = authz
                resp = self.transport.request(method, url, hdrs, body)
            except ssl.SSLError as exc:
                raise RegistryError(f"{context}: {exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                if attempt < retries:
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise RegistryError(f"{context}: {exc}", temporary=True) from None
            if resp.status in ok:
                return resp
            www = resp.header("WWW-Authenticate")
            retry_after = resp.header("Retry-After")
            err_body = resp.drain()
            if resp.status == 401 and not auth_retried:
                new_scopes = self.auth.unauthorized(www, scopes, authz)
                if new_scopes is not None:
                    scopes, auth_retried = new_scopes, True
                    continue
            if is_temporary_status(resp.status) and attempt < retries:
                self._sleep(attempt, retry_after)
                attempt += 1
                continue
            raise error_from_response(resp.status, err_body, context)

    # -- manifests ------------------------------------------------------------------------

    def get_manifest(
        self, repo: str, ref: str, accept: str = mt.MANIFEST_ACCEPT
    ) -> tuple[bytes, str, str]:
        """``(bytes, media type, digest)`` of the manifest at a tag or digest, verified."""
        resp = self.request(
            "GET",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=(pull_scope(repo),),
            headers={"Accept": accept},
            context=f"reading manifest {ref} in {self.host}/{repo}",
        )
        data = resp.read_all(MANIFEST_LIMIT, f"manifest {ref} in {self.host}/{repo}")
        if ":" in ref:  # by digest: the bytes must hash to it
            Digest.parse(ref).verify(data, "manifest")
            digest = ref
        else:
            digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
            claimed = resp.header("Docker-Content-Digest")
            if claimed.startswith("sha256:") and claimed != digest:
                raise DigestMismatch(claimed, digest, "manifest")
        media_type = resp.header("Content-Type").split(";")[0].strip()
        return data, media_type, digest

    def head_manifest(self, repo: str, ref: str) -> Descriptor | None:
        """The manifest's descriptor from a HEAD, or None when the registry does not have it."""
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=(pull_scope(repo),),
            headers={"Accept": mt.MANIFEST_ACCEPT},
            context=f"reading manifest {ref} in {self.host}/{repo}",
            ok=(200, 404),
        )
        resp.close()
        if resp.status == 404:
            return None
        size = resp.header("Content-Length")
        return Descriptor(
            resp.header("Content-Type").split(";")[0].strip(),
            resp.header("Docker-Content-Digest") or (ref if ":" in ref else ""),
            int(size) if size.isdigit() else -1,
        )

    def put_manifest(self, repo: str, ref: str, data: bytes, media_type: str) -> str:
        """Upload exact manifest bytes under a tag (or digest); return their digest."""
        if len(data) > MANIFEST_LIMIT:
            raise RegistryError(
                f"manifest is too large: {len(data)} bytes, the limit is {MANIFEST_LIMIT}"
            )
        resp = self.request(
            "PUT",
            f"/v2/{repo}/manifests/{quote(ref, safe=':')}",
            scopes=(push_scope(repo),),
            body=data,
            ok=(200, 201, 202),
            headers={"Content-Type": media_type, "Content-Length": str(len(data))},
            context=f"writing manifest {ref} to {self.host}/{repo}",
        )
        resp.drain()
        return f"sha256:{hashlib.sha256(data).hexdigest()}"

    # -- blobs ----------------------------------------------------------------------------

    def blob_size(self, repo: str, digest: str, scope: str = "") -> int | None:
        """The blob's size if ``repo`` has it (HEAD), else None."""
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/blobs/{digest}",
            scopes=(scope or pull_scope(repo),),
            ok=(200, 404),
            context=f"checking blob {digest} in {self.host}/{repo}",
        )
        resp.close()
        if resp.status == 404:
            return None
        size = resp.header("Content-Length")
        return int(size) if size.isdigit() else -1

    def open_blob(self, repo: str, digest: str, offset: int = 0) -> Response:
        """A streaming GET of the blob (from ``offset`` with a Range request); 200 or 206."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        return self.request(
            "GET",
            f"/v2/{repo}/blobs/{digest}",
            scopes=(pull_scope(repo),),
            headers=headers,
            ok=(200, 206),
            context=f"fetching blob {digest} from {self.host}/{repo}",
        )

    # -- tags -----------------------------------------------------------------------------

    def list_tags(self, repo: str, page_size: int = 0) -> list[str]:
        """Every tag of ``repo``, following ``Link: <…>; rel="next"`` pagination."""
        url = f"/v2/{repo}/tags/list" + (f"?n={page_size}" if page_size else "")
        tags: list[str] = []
        for _ in range(10_000):
            resp = self.request(
                "GET",
                url,
                scopes=(pull_scope(repo),),
                context=f"listing tags of {self.host}/{repo}",
            )
            link = resp.header("Link")
            try:
                obj = json.loads(resp.read_all(MANIFEST_LIMIT * 4, "tag list"))
            except ValueError:
                raise RegistryError(f"invalid tag list from {self.host}/{repo}") from None
            tags.extend(str(t) for t in obj.get("tags") or ())
            nxt = next_link(link, resp.url) if link else None
            if nxt is None:
                return tags
            url = nxt
        raise RegistryError(f"too many pages listing tags of {self.host}/{repo}")
