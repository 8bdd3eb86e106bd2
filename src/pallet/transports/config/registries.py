"""``registries.conf`` (v2): search registries, aliases, mirrors, insecure and blocked hosts.

The main file is ``$CONTAINERS_REGISTRIES_CONF``, else ``~/.config/containers/registries.conf``
for non-root users when it exists, else ``/etc/containers/registries.conf``. Drop-ins from
``registries.conf.d/*.conf`` (system, then user) are applied in lexical order: a key they set
replaces the earlier value; ``[[registry]]`` tables replace the earlier table with the same
prefix; ``[aliases]`` are merged. The short-name alias cache written by podman is consulted
after the configured aliases.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pallet.errors import InvalidArgument, InvalidReference
from pallet.oci.reference import Reference

__all__ = [
    "Mirror",
    "PullSource",
    "RegistriesConf",
    "RegistryEntry",
    "load_registries_conf",
    "resolve_short_name",
]

SYSTEM_CONF = Path("/etc/containers/registries.conf")
SYSTEM_DROPINS = Path("/etc/containers/registries.conf.d")
SHORT_NAME_MODES = ("enforcing", "permissive", "disabled")


@dataclass(frozen=True, slots=True)
class Mirror:
    """A pull-only mirror of a registry entry."""

    location: str
    insecure: bool = False
    pull_from_mirror: str = "all"  # all | digest-only | tag-only


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One ``[[registry]]`` table. ``prefix`` defaults to ``location``."""

    prefix: str
    location: str
    insecure: bool = False
    blocked: bool = False
    mirrors: tuple[Mirror, ...] = ()

    def matches(self, ref: Reference) -> bool:
        """True when this entry's prefix covers ``ref``'s repository."""
        repo = ref.repository
        if self.prefix.startswith("*."):
            domain = ref.domain.split(":", 1)[0]
            return domain.endswith(self.prefix[1:])
        return repo == self.prefix or repo.startswith(self.prefix + "/")

    def rewrite(self, ref: Reference, location: str) -> Reference:
        """``ref`` with this entry's prefix replaced by ``location``."""
        if self.prefix.startswith("*.") or not location:
            return ref
        rest = ref.repository[len(self.prefix) :]
        new = Reference.parse(location + rest)
        return replace(new, tag=ref.tag, digest=ref.digest)


@dataclass(frozen=True, slots=True)
class PullSource:
    """A place to pull ``ref`` from: a mirror (in order) or, last, the primary location."""

    ref: Reference
    insecure: bool
    mirror: bool


@dataclass(frozen=True, slots=True)
class RegistriesConf:
    """The merged configuration."""

    unqualified_search: tuple[str, ...] = ()
    registries: tuple[RegistryEntry, ...] = ()
    short_name_mode: str = "enforcing"
    aliases: tuple[tuple[str, str], ...] = ()

    def find(self, ref: Reference) -> RegistryEntry | None:
        """The entry with the longest prefix matching ``ref`` (containers/image's rule)."""
        best: RegistryEntry | None = None
        for entry in self.registries:
            if entry.matches(ref) and (best is None or len(entry.prefix) > len(best.prefix)):
                best = entry
        return best

    def is_insecure(self, host: str) -> bool:
        """True when ``insecure = true`` applies to the registry host ``host``."""
        for entry in self.registries:
            if entry.location.split("/", 1)[0] == host and entry.insecure:
                return True
            if any(m.location.split("/", 1)[0] == host and m.insecure for m in entry.mirrors):
                return True
        return False

    def pull_sources(self, ref: Reference) -> list[PullSource]:
        """Where to pull ``ref`` from, in order; raise if its registry is blocked."""
        entry = self.find(ref)
        if entry is None:
            return [PullSource(ref, False, False)]
        if entry.blocked:
            raise InvalidArgument(f"registry {entry.prefix} is blocked in registries.conf")
        out: list[PullSource] = []
        for m in entry.mirrors:
            if (m.pull_from_mirror == "digest-only" and not ref.digest) or (
                m.pull_from_mirror == "tag-only" and ref.digest
            ):
                continue
            out.append(PullSource(entry.rewrite(ref, m.location), m.insecure, True))
        out.append(PullSource(entry.rewrite(ref, entry.location), entry.insecure, False))
        return out

    def push_target(self, ref: Reference) -> PullSource:
        """Where a push of ``ref`` goes: never to a mirror; raise if blocked."""
        entry = self.find(ref)
        if entry is None:
            return PullSource(ref, False, False)
        if entry.blocked:
            raise InvalidArgument(f"registry {entry.prefix} is blocked in registries.conf")
        return PullSource(entry.rewrite(ref, entry.location), entry.insecure, False)

    def alias(self, name: str) -> str | None:
        return dict(self.aliases).get(name)


def _bool(table: dict[str, Any], key: str, where: str) -> bool:
    val = table.get(key, False)
    if not isinstance(val, bool):
        raise InvalidArgument(f"{where}: {key} must be true or false")
    return val


def _entry(table: dict[str, Any], where: str) -> RegistryEntry:
    location = str(table.get("location", "")).rstrip("/")
    prefix = str(table.get("prefix", "") or location).rstrip("/")
    if not prefix:
        raise InvalidArgument(f"{where}: [[registry]] needs a prefix or a location")
    mirrors = tuple(
        Mirror(
            str(m.get("location", "")).rstrip("/"),
            _bool(m, "insecure", where),
            str(m.get("pull-from-mirror", "all") or "all"),
        )
        for m in table.get("mirror") or ()
    )
    return RegistryEntry(
        prefix,
        location or prefix,
        _bool(table, "insecure", where),
        _bool(table, "blocked", where),
        mirrors,
    )


def _merge(conf: RegistriesConf, data: dict[str, Any], where: str) -> RegistriesConf:
    if "registries" in data and isinstance(data["registries"], dict):
        raise InvalidArgument(f"{where}: registries.conf v1 ([registries.search]) is not supported")
    if "unqualified-search-registries" in data:
        conf = replace(
            conf, unqualified_search=tuple(str(r) for r in data["unqualified-search-registries"])
        )
    if "short-name-mode" in data:
        mode = str(data["short-name-mode"])
        if mode not in SHORT_NAME_MODES:
            raise InvalidArgument(f"{where}: invalid short-name-mode {mode!r}")
        conf = replace(conf, short_name_mode=mode)
    if data.get("registry"):
        entries = {e.prefix: e for e in conf.registries}
        for table in data["registry"]:
            e = _entry(table, where)
            entries[e.prefix] = e
        conf = replace(conf, registries=tuple(entries.values()))
    if data.get("aliases"):
        aliases = dict(conf.aliases)
        aliases.update({str(k): str(v) for k, v in data["aliases"].items()})
        conf = replace(conf, aliases=tuple(aliases.items()))
    return conf


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgument(f"invalid registries configuration {path}: {exc}") from None


def _alias_cache() -> Path:
    if os.geteuid() == 0:
        return Path("/var/cache/containers/short-name-aliases.conf")
    return Path.home() / ".cache" / "containers" / "short-name-aliases.conf"


def load_registries_conf(
    path: str | os.PathLike[str] | None = None,
    *,
    dropin_dirs: list[Path] | None = None,
    alias_cache: Path | None = None,
) -> RegistriesConf:
    """Read and merge the main file, its drop-ins, and the short-name alias cache."""
    user = Path.home() / ".config" / "containers"
    if path is None:
        env = os.environ.get("CONTAINERS_REGISTRIES_CONF")
        if env:
            path = env
        elif os.geteuid() != 0 and (user / "registries.conf").is_file():
            path = user / "registries.conf"
        else:
            path = SYSTEM_CONF
    if dropin_dirs is None:
        dropin_dirs = [SYSTEM_DROPINS] + ([user / "registries.conf.d"] if os.geteuid() else [])
    conf = RegistriesConf()
    main = Path(path)
    if main.is_file():
        conf = _merge(conf, _load_toml(main), str(main))
    for d in dropin_dirs:
        if d.is_dir():
            for name in sorted(os.listdir(d)):
                if name.endswith(".conf") and (d / name).is_file():
                    conf = _merge(conf, _load_toml(d / name), str(d / name))
    cache = alias_cache if alias_cache is not None else _alias_cache()
    if cache.is_file():
        extra = _load_toml(cache).get("aliases") or {}
        merged = {str(k): str(v) for k, v in extra.items()}
        merged.update(dict(conf.aliases))  # configured aliases win over the cache
        conf = replace(conf, aliases=tuple(merged.items()))
    return conf


def resolve_short_name(ref: Reference, conf: RegistriesConf) -> list[Reference]:
    """Fully qualified candidates for ``ref``, in the order a pull should try them.

    A qualified reference is returned as is; an alias gives exactly one candidate; otherwise
    each unqualified-search registry gives one (Docker Hub's ``library/`` rule applied). The
    caller applies ``short_name_mode`` (enforcing asks or fails when there are several).
    """
    if not ref.is_short:
        return [ref]
    target = conf.alias(ref.path)
    if target is not None:
        try:
            aliased = Reference.parse(target)
        except InvalidReference as exc:
            raise InvalidArgument(f"invalid alias {ref.path!r} = {target!r}: {exc}") from None
        return [replace(aliased, tag=ref.tag or aliased.tag, digest=ref.digest or aliased.digest)]
    return [ref.with_domain(domain) for domain in conf.unqualified_search]
