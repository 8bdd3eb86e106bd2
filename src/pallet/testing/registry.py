"""A real registry for tests: CNCF distribution (``docker-registry``) on 127.0.0.1.

``LocalRegistry()`` serves plain HTTP; ``LocalRegistry(tls=True, auth=("u", "p"))`` serves TLS
with a certificate from a throwaway CA and htpasswd (bcrypt) auth. ``certs_dir`` is a certs.d
base holding ``HOST:PORT/ca.crt`` for clients (point ``PALLET_CERTS_D`` or ``--cert-dir`` at
it). ``stop()`` ends the server and removes every file the registry made.

    with LocalRegistry(tls=True, auth=("tester", "secret")) as reg:
        ...  # reg.host == "127.0.0.1:PORT"
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["LocalRegistry", "free_port", "registry_available"]

BINARY = "docker-registry"


def registry_available() -> bool:
    """True when the docker-registry binary (and openssl/htpasswd for TLS+auth) exist."""
    return shutil.which(BINARY) is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


class LocalRegistry:
    """One distribution registry process and its files."""

    def __init__(
        self,
        *,
        tls: bool = False,
        auth: tuple[str, str] | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.tls = tls
        self.auth = auth
        self.startup_timeout = startup_timeout
        self.workdir = Path(tempfile.mkdtemp(prefix="pallet-registry-"))
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "pki" / "ca.crt"

    @property
    def certs_dir(self) -> Path:
        """A certs.d base directory trusting this registry's CA."""
        return self.workdir / "certs.d"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    def _make_pki(self) -> None:
        pki = self.workdir / "pki"
        pki.mkdir()
        _run(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pallet-test-CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            cwd=pki,
        )
        _run(
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            cwd=pki,
        )
        (pki / "ext.cnf").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        )
        _run(
            "openssl",
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.crt",
            cwd=pki,
        )

    def _config(self) -> str:
        lines = [
            "version: 0.1",
            "log: {level: error, accesslog: {disabled: true}}",
            f"storage: {{filesystem: {{rootdirectory: {self.data_dir}}}, "
            "delete: {enabled: true}}",
        ]
        http_ = f"http: {{addr: '{self.host}'"
        if self.tls:
            pki = self.workdir / "pki"
            http_ += f", tls: {{certificate: {pki / 'server.crt'}, key: {pki / 'server.key'}}}"
        lines.append(http_ + "}")
        if self.auth:
            lines.append(
                f"auth: {{htpasswd: {{realm: pallet-test, path: {self.workdir / 'htpasswd'}}}}}"
            )
        return "\n".join(lines) + "\n"

    def start(self) -> LocalRegistry:
        """Start the server and wait until ``/v2/`` answers."""
        self.data_dir.mkdir(exist_ok=True)
        if self.tls:
            self._make_pki()
        if self.auth:
            _run("htpasswd", "-Bbc", str(self.workdir / "htpasswd"), *self.auth, cwd=self.workdir)
        for _ in range(3):
            self.port = free_port()
            if self.tls:
                d = self.certs_dir / self.host
                d.mkdir(parents=True, exist_ok=True)
                shutil.copy(self.ca_file, d / "ca.crt")
            config = self.workdir / "config.yml"
            config.write_text(self._config())
            log = open(self.workdir / "log", "ab")  # noqa: SIM115 - owned by the child
            self._proc = subprocess.Popen(
                [BINARY, "serve", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            if self._wait_ready():
                return self
            self._terminate()
        log_text = (self.workdir / "log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"docker-registry did not start:\n{log_text}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:
                conn: http.client.HTTPConnection
                if self.tls:
                    ctx = ssl.create_default_context(cafile=str(self.ca_file))
                    conn = http.client.HTTPSConnection(self.host, timeout=2, context=ctx)
                else:
                    conn = http.client.HTTPConnection(self.host, timeout=2)
                conn.request("GET", "/v2/")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 401):
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self._terminate()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalRegistry:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
