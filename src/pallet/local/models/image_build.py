"""``images.build``, ``images.pull`` and ``images.push``, with docker-py's results.

build returns ``(Image, log)`` where the log is Docker's JSON stream (``{"stream": ...}``
lines, ``{"aux": {"ID": ...}}``) and a failed build raises BuildError carrying that log; RUN
output is interleaved as it was written. push reports in the stream rather than raising, as
Docker's push does.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pallet.errors import BuildError, InvalidArgument, PalletError

if TYPE_CHECKING:
    from pallet.local.models.images import Image, ImageCollection

__all__ = ["build", "pull", "push"]

_BUILD_KWARGS = frozenset(
    {
        "path",
        "fileobj",
        "tag",
        "quiet",
        "nocache",
        "rm",
        "timeout",
        "custom_context",
        "encoding",
        "pull",
        "forcerm",
        "dockerfile",
        "buildargs",
        "container_limits",
        "shmsize",
        "labels",
        "cache_from",
        "target",
        "network_mode",
        "squash",
        "extra_hosts",
        "platform",
        "isolation",
        "use_config_proxy",
        "decode",
        "gzip",
    }
)


def _source(kwargs: dict[str, Any]) -> Any:
    from pallet.engine.build import BuildSource

    path, fileobj = kwargs.get("path"), kwargs.get("fileobj")
    if path is None and fileobj is None:
        raise TypeError("Either path or fileobj needs to be provided.")
    dockerfile = kwargs.get("dockerfile")
    if fileobj is not None and kwargs.get("custom_context"):
        return BuildSource(context_tar=fileobj, dockerfile=dockerfile)
    if fileobj is not None:
        text = fileobj.read()
        text = text.decode() if isinstance(text, bytes) else str(text)
        return BuildSource(dockerfile_text=text)
    path = str(path)
    if path.startswith(("http://", "https://", "git://", "github.com/")):
        raise InvalidArgument("remote build contexts are not supported: clone first")
    return BuildSource(context=Path(path), dockerfile=dockerfile)


def build(collection: ImageCollection, kwargs: dict[str, Any]) -> tuple[Image, Iterator[Any]]:
    """See :meth:`ImageCollection.build`."""
    from pallet.build.executor import BuildOptions
    from pallet.engine.build import build_image

    unknown = sorted(set(kwargs) - _BUILD_KWARGS)
    if unknown:
        raise TypeError(f"build() got an unexpected keyword argument '{unknown[0]}'")
    if kwargs.get("squash") or kwargs.get("extra_hosts") or kwargs.get("cache_from"):
        raise TypeError("build(): squash, extra_hosts and cache_from are not supported (pallet)")
    source = _source(kwargs)
    tag = kwargs.get("tag")
    options = BuildOptions(
        tags=(str(tag),) if tag else (),
        build_args={str(k): str(v) for k, v in (kwargs.get("buildargs") or {}).items()},
        target=kwargs.get("target"),
        no_cache=bool(kwargs.get("nocache")),
        pull="always" if kwargs.get("pull") else "missing",
        platform=str(kwargs.get("platform") or ""),
        labels=tuple((str(k), str(v)) for k, v in (kwargs.get("labels") or {}).items()),
        network=str(kwargs.get("network_mode") or "host"),
    )
    log: list[dict[str, Any]] = []
    quiet = bool(kwargs.get("quiet"))
    with tempfile.TemporaryFile() as out:
        seen = 0

        def drain() -> None:
            nonlocal seen
            out.seek(seen)
            data = out.read()
            seen += len(data)
            if data and not quiet:
                log.append({"stream": data.decode(errors="replace")})

        def step(line: str) -> None:
            drain()
            if not quiet:
                log.append({"stream": line + "\n"})

        try:
            result = build_image(
                collection._client.engine,
                source,
                options,
                log=step,
                stdout=out.fileno(),
                stderr=out.fileno(),
            )
        except BuildError as exc:
            drain()
            log.append({"errorDetail": {"message": str(exc)}, "error": str(exc)})
            raise BuildError(str(exc), iter(log)) from None
        drain()
    log.append({"aux": {"ID": result.image_id}})
    log.append({"stream": f"Successfully built {result.image_id.partition(':')[2][:12]}\n"})
    return collection.get(result.image_id), iter(log)


def _registry_options(kwargs: dict[str, Any]) -> Any:
    auth = kwargs.get("auth_config")
    if not auth:
        return None
    from pallet.transports.registry import RegistryOptions

    return RegistryOptions(credentials=(str(auth["username"]), str(auth["password"])))


def pull(
    collection: ImageCollection,
    repository: str,
    tag: str | None,
    all_tags: bool,
    kwargs: dict[str, Any],
) -> Any:
    """See :meth:`ImageCollection.pull`."""
    from pallet.engine.pull import pull_all_tags, pull_image
    from pallet.local.models.images import parse_repository_tag
    from pallet.oci.platform import Platform

    unknown = sorted(set(kwargs) - {"auth_config", "platform", "stream", "decode"})
    if unknown:
        raise TypeError(f"pull() got an unexpected keyword argument '{unknown[0]}'")
    if "stream" in kwargs:
        warnings.warn(
            "`stream` is not a valid parameter for this method and will be overridden",
            stacklevel=3,
        )
    repository, image_tag = parse_repository_tag(repository)
    plat = Platform.parse(kwargs["platform"]) if kwargs.get("platform") else None
    engine = collection._client.engine
    options = _registry_options(kwargs)
    if all_tags:
        records = pull_all_tags(engine, repository, platform=plat, options=options)
        return [collection.get(r.id) for r in records]
    tag = tag or image_tag or "latest"
    sep = "@" if tag.startswith("sha256:") else ":"
    record = pull_image(
        engine, f"{repository}{sep}{tag}", platform=plat, quiet=True, options=options
    )
    return collection.get(record.id)


def push(
    collection: ImageCollection, repository: str, tag: str | None, kwargs: dict[str, Any]
) -> Any:
    """See :meth:`ImageCollection.push`: status lines, errors in the stream."""
    from pallet.engine.push import push_image
    from pallet.local.models.images import parse_repository_tag

    unknown = sorted(set(kwargs) - {"auth_config", "stream", "decode"})
    if unknown:
        raise TypeError(f"push() got an unexpected keyword argument '{unknown[0]}'")
    repository, image_tag = parse_repository_tag(repository)
    tag = tag or image_tag or "latest"
    name = f"{repository}:{tag}"
    lines: list[dict[str, Any]] = [{"status": f"The push refers to repository [{repository}]"}]
    try:
        digest = push_image(collection._client.engine, name, options=_registry_options(kwargs))
        lines.append({"status": f"{tag}: digest: {digest}"})
        lines.append({"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest}})
    except PalletError as exc:
        lines.append({"errorDetail": {"message": str(exc)}, "error": str(exc)})
    if kwargs.get("stream"):
        if kwargs.get("decode"):
            return iter(lines)
        return iter(json.dumps(line).encode() + b"\r\n" for line in lines)
    return "".join(json.dumps(line) + "\r\n" for line in lines)
