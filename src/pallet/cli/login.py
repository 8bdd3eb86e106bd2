"""``pallet login`` / ``pallet logout``, and the registry flags every registry verb shares.

``add_registry_flags`` gives a parser ``--tls-verify[=BOOL]``, ``--authfile``, ``--creds`` and
``--cert-dir``; ``registry_options`` turns them into ``RegistryOptions``. The registry client
(and with it ``ssl`` and ``http.client``) is imported only once a verb runs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from pallet.cli.globals import GlobalOptions
from pallet.errors import InvalidArgument, RegistryError, Unauthorized

if TYPE_CHECKING:
    from pallet.transports.registry import RegistryOptions

__all__ = ["add_registry_flags", "login", "logout", "parse_bool", "registry_options"]


def parse_bool(text: str) -> bool:
    """``true``/``false`` (and 1/0, yes/no) as Go's strconv.ParseBool accepts them."""
    low = text.lower()
    if low in ("true", "1", "t", "yes"):
        return True
    if low in ("false", "0", "f", "no"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean value {text!r}")


def add_registry_flags(p: argparse.ArgumentParser, *, creds: bool = True) -> None:
    """The flags podman and skopeo take for reaching a registry."""
    p.add_argument(
        "--tls-verify",
        type=parse_bool,
        nargs="?",
        const=True,
        default=None,
        help="require HTTPS and verify certificates (default: per registries.conf)",
    )
    p.add_argument("--authfile", help="path of the authentication file")
    p.add_argument("--cert-dir", help="certificates directory (certs.d layout)")
    if creds:
        p.add_argument("--creds", help="USERNAME[:PASSWORD] for the registry")


def _split_creds(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not user:
        raise InvalidArgument("invalid credentials: the username must not be empty")
    if not sep:
        password = getpass.getpass("Password: ")
    return user, password


def registry_options(a: argparse.Namespace, **extra: object) -> RegistryOptions:
    """``RegistryOptions`` from the flags ``add_registry_flags`` added."""
    from pallet.transports.registry.options import RegistryOptions

    creds = getattr(a, "creds", None)
    extra.setdefault("max_workers", 6)  # transfers are I/O-bound: one thread per layer
    return RegistryOptions(
        tls_verify=a.tls_verify,
        auth_file=a.authfile,
        certs_dir=a.cert_dir,
        credentials=_split_creds(creds) if creds else None,
        **extra,  # type: ignore[arg-type]
    )


def _host_of(server: str) -> str:
    server = server.removeprefix("docker://").removeprefix("https://").removeprefix("http://")
    return server.split("/", 1)[0]


def login(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet login", description="Log in to a container registry")
    p.add_argument("registry")
    p.add_argument("-u", "--username", default="")
    p.add_argument("-p", "--password", default=None)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--get-login", action="store_true", help="print the stored username")
    add_registry_flags(p, creds=False)
    a = p.parse_args(argv)
    host = _host_of(a.registry)
    if a.get_login:
        from pallet.transports.config.auth import get_credentials

        found = get_credentials(host, a.authfile)
        if found is None:
            raise InvalidArgument(f"not logged into {host}")
        print(found.username)
        return 0
    if a.password_stdin and a.password is not None:
        raise InvalidArgument("--password and --password-stdin are mutually exclusive")
    password: str | None = a.password
    if a.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    username: str = a.username
    if not username:
        if not sys.stdin.isatty() or a.password_stdin:
            raise InvalidArgument("username is required (-u) when not reading from a terminal")
        username = input("Username: ").strip()
    if password is None:
        if not sys.stdin.isatty():
            raise InvalidArgument("password is required (-p or --password-stdin)")
        password = getpass.getpass("Password: ")
    from pallet.transports.registry import login as do_login

    try:
        do_login(host, username, password, registry_options(a), insecure=_insecure(host))
    except Unauthorized as exc:
        raise Unauthorized(
            f'logging into "{host}": invalid username/password', code=exc.code, status=401
        ) from None
    except RegistryError as exc:
        raise RegistryError(
            f'logging into "{host}": {exc}', code=exc.code, status=exc.status
        ) from None
    print("Login Succeeded!")
    return 0


def _insecure(host: str) -> bool:
    from pallet.transports.config.registries import load_registries_conf

    return load_registries_conf().is_insecure(host)


def logout(g: GlobalOptions, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="pallet logout", description="Log out of a container registry")
    p.add_argument("registry", nargs="?")
    p.add_argument("-a", "--all", action="store_true", help="remove every stored login")
    p.add_argument("--authfile", help="path of the authentication file")
    a = p.parse_args(argv)
    from pallet.transports.config.auth import default_auth_path
    from pallet.transports.registry import logout as do_logout

    if a.all:
        path = default_auth_path() if not a.authfile else None
        target = a.authfile or str(path)
        import json
        import os

        if os.path.exists(target):
            with open(target) as fh:
                obj = json.load(fh)
            for key in list((obj.get("auths") or {}).keys()):
                do_logout(key, target)
        print("Removed login credentials for all registries")
        return 0
    if not a.registry:
        raise InvalidArgument("a registry name is required (or --all)")
    host = _host_of(a.registry)
    if not do_logout(host, a.authfile):
        raise InvalidArgument(f"not logged into {host}")
    print(f"Removed login credentials for {host}")
    return 0
