"""``pallet build [OPTIONS] CONTEXT``: podman build's flags and output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pallet.cli.globals import GlobalOptions

__all__ = ["build"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pallet build", description="Build an image using instructions from Containerfiles"
    )
    p.add_argument(
        "context", nargs="?", default=".", help="a directory, a tar archive, or - (stdin)"
    )
    p.add_argument("-t", "--tag", action="append", default=[], help="name the image")
    p.add_argument("-f", "--file", help="the Containerfile (default: CONTEXT/Containerfile "
                   "or CONTEXT/Dockerfile; - for stdin)")  # fmt: skip
    p.add_argument("--build-arg", action="append", default=[], metavar="ARG=VALUE")
    p.add_argument("--target", help="the stage to build")
    p.add_argument("--no-cache", action="store_true", help="do not use cached layers")
    p.add_argument("--pull", nargs="?", const="always", default="missing",
                   help="always, missing, never (bare --pull: always)")  # fmt: skip
    p.add_argument("--platform", default="", help="os/arch[/variant] of the image")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--iidfile", help="write the image id to this file")
    p.add_argument("--secret", action="append", default=[], metavar="id=ID,src=PATH")
    p.add_argument("--layers", nargs="?", const="true", default="true",
                   help="cache intermediate images (default true)")  # fmt: skip
    p.add_argument("--timestamp", type=int, help="seconds since the epoch for every time "
                   "in the image (default: $SOURCE_DATE_EPOCH)")  # fmt: skip
    p.add_argument("--network", default="host", choices=["host", "none"],
                   help="network for RUN steps")  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", help="print only the image id")
    return p


def _pairs(values: list[str], what: str) -> dict[str, str]:
    from pallet.errors import InvalidArgument

    out: dict[str, str] = {}
    for value in values:
        key, eq, val = value.partition("=")
        if not key:
            raise InvalidArgument(f"invalid {what} {value!r}")
        if not eq:  # --build-arg NAME takes the value from the environment
            if key not in os.environ:
                continue
            val = os.environ[key]
        out[key] = val
    return out


def _secrets(values: list[str]) -> dict[str, str]:
    from pallet.errors import InvalidArgument

    out: dict[str, str] = {}
    for value in values:
        fields = dict(f.partition("=")[::2] for f in value.split(","))
        ident = fields.get("id", "")
        src = fields.get("src") or fields.get("source") or ""
        if fields.get("env") and not src:
            src = fields["env"]
            if src not in os.environ:
                raise InvalidArgument(f"secret {ident}: environment variable {src} not set")
            import tempfile

            fh = tempfile.NamedTemporaryFile("w", delete=False)  # noqa: SIM115
            fh.write(os.environ[src])
            fh.close()
            src = fh.name
        if not ident or not src:
            raise InvalidArgument(f"invalid secret {value!r}: want id=ID,src=PATH")
        if not os.path.isfile(src):
            raise InvalidArgument(f"secret {ident}: {src}: no such file")
        out[ident] = os.path.abspath(src)
    return out


def build(g: GlobalOptions, argv: list[str]) -> int:
    a = _parser().parse_args(argv)
    from pallet.build.executor import BuildOptions
    from pallet.engine.build import BuildSource, build_image
    from pallet.errors import InvalidArgument

    timestamp = a.timestamp
    if timestamp is None and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        timestamp = int(os.environ["SOURCE_DATE_EPOCH"])
    options = BuildOptions(
        tags=tuple(a.tag),
        build_args=_pairs(a.build_arg, "--build-arg"),
        target=a.target,
        no_cache=a.no_cache,
        layers=a.layers.lower() in ("true", "1", "yes"),
        pull={"true": "always", "false": "missing"}.get(a.pull, a.pull),
        platform=a.platform,
        labels=tuple(_pairs(a.label, "--label").items()),
        secrets=_secrets(a.secret),
        timestamp=timestamp,
        network=a.network,
    )
    if options.pull not in ("always", "missing", "never", "newer"):
        raise InvalidArgument(f"invalid pull policy {a.pull!r}")
    stdin_text = None
    source: BuildSource
    if a.file == "-" or a.context == "-":
        data = sys.stdin.buffer.read()
        if a.context == "-" and len(data) > 262 and (data[257:262] == b"ustar" or data[:2] in (
                b"\x1f\x8b", b"(\xb5")):  # fmt: skip
            import io

            source = BuildSource(context_tar=io.BytesIO(data), dockerfile=a.file)
        else:
            stdin_text = data.decode()
            ctx = None if a.context == "-" else Path(a.context)
            source = BuildSource(context=ctx, dockerfile_text=stdin_text)
    elif os.path.isfile(a.context):
        with open(a.context, "rb") as fh:
            source = BuildSource(context_tar=fh, dockerfile=a.file)
            return _run(g, source, options, a)
    else:
        if not os.path.isdir(a.context):
            raise InvalidArgument(f"context {a.context!r} is not a directory or an archive")
        source = BuildSource(context=Path(a.context), dockerfile=a.file)
    del build_image
    return _run(g, source, options, a)


def _run(g: GlobalOptions, source: object, options: object, a: argparse.Namespace) -> int:
    from pallet.build.executor import BuildOptions
    from pallet.engine.build import BuildSource, build_image

    assert isinstance(source, BuildSource) and isinstance(options, BuildOptions)
    out = sys.stdout

    def log(line: str) -> None:
        if not a.quiet:
            out.write(line + "\n")
            out.flush()

    engine = g.engine()
    sys.stdout.flush()
    result = build_image(engine, source, options, log=log,
                         stdout=2 if a.quiet else 1, stderr=2)  # fmt: skip
    hexid = result.image_id.partition(":")[2]
    print(hexid)
    if a.iidfile:
        Path(a.iidfile).write_text(result.image_id)
    return 0
