"""Where an image's bytes come from: a file, ``-`` (a stream the caller gives), or a URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import BinaryIO

from pallet.errors import InvalidArgument, NotFound

__all__ = ["open_source"]


@contextlib.contextmanager
def open_source(spec: str, stdin: BinaryIO | None = None) -> Iterator[BinaryIO]:
    """Open ``spec`` for reading: ``-`` is ``stdin``; http(s) URLs are streamed."""
    if spec == "-":
        if stdin is None:
            raise InvalidArgument("no standard input to read from")
        yield stdin
        return
    if spec.startswith(("http://", "https://")):
        import urllib.error
        import urllib.request

        try:
            resp = urllib.request.urlopen(spec, timeout=60)
        except (urllib.error.URLError, OSError) as exc:
            raise NotFound(f"fetching {spec}: {getattr(exc, 'reason', exc)}") from None
        with resp:
            yield resp
        return
    try:
        fh = open(spec, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise NotFound(f"open {spec}: no such file or directory") from None
    except IsADirectoryError:
        raise InvalidArgument(f"{spec} is a directory, not an archive") from None
    with fh:
        yield fh
