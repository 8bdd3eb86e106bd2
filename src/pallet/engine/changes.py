"""``--change`` instructions (``import``, ``commit``): a Dockerfile line applied to a config."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

from pallet.errors import InvalidArgument
from pallet.oci.config import ContainerConfig

__all__ = ["apply_changes", "command_words"]

_ALLOWED = {
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "LABEL",
    "ONBUILD",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}


def command_words(value: str) -> tuple[str, ...]:
    """A CMD/ENTRYPOINT value: a JSON list as given, else ``/bin/sh -c VALUE``; empty → ()."""
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return tuple(str(x) for x in parsed)
    return ("/bin/sh", "-c", value) if value else ()


_command = command_words


def _pairs(value: str, what: str) -> list[tuple[str, str]]:
    words = shlex.split(value)
    if len(words) >= 1 and "=" not in words[0]:
        if len(words) < 2:
            raise InvalidArgument(f"{what} requires a value: {value!r}")
        key, _, rest = value.strip().partition(" ")
        return [(key, rest.strip())]
    out = []
    for word in words:
        key, eq, val = word.partition("=")
        if not eq or not key:
            raise InvalidArgument(f"{what}: {word!r} is not KEY=VALUE")
        out.append((key, val))
    return out


def apply_changes(config: ContainerConfig, changes: list[str]) -> ContainerConfig:
    """Apply each ``INSTRUCTION args`` in order; raise InvalidArgument for bad ones."""
    for change in changes:
        verb, _, value = change.strip().partition(" ")
        if "=" in verb and not value:  # "CMD=..." form is not valid; keep docker's message
            raise InvalidArgument(f"invalid change {change!r}")
        verb = verb.upper()
        if verb not in _ALLOWED:
            raise InvalidArgument(f"{verb.lower()} is not a valid change instruction")
        value = value.strip()
        if verb == "CMD":
            config = replace(config, cmd=_command(value))
        elif verb == "ENTRYPOINT":
            config = replace(config, entrypoint=_command(value))
        elif verb == "ENV":
            for key, val in _pairs(value, "ENV"):
                config = config.with_env(key, val)
        elif verb == "LABEL":
            labels = dict(config.labels)
            labels.update(_pairs(value, "LABEL"))
            config = replace(config, labels=tuple(sorted(labels.items())))
        elif verb == "EXPOSE":
            ports = set(config.exposed_ports)
            for p in value.split():
                ports.add(p if "/" in p else f"{p}/tcp")
            config = replace(config, exposed_ports=tuple(sorted(ports)))
        elif verb == "VOLUME":
            vols = set(config.volumes)
            vols.update(_command(value) if value.startswith("[") else value.split())
            config = replace(config, volumes=tuple(sorted(vols)))
        elif verb == "WORKDIR":
            config = replace(config, working_dir=value)
        elif verb == "USER":
            config = replace(config, user=value)
        elif verb == "STOPSIGNAL":
            config = replace(config, stop_signal=value)
        elif verb == "ONBUILD":
            config = replace(config, on_build=(*config.on_build, value))
    return config
