"""Planning ``pallet load`` from an archive that was streamed, not seeked (stdin).

The engine reads the tar once, front to back: every member goes into its content-addressed
blob store (member path -> ``sha256:`` digest), and the small JSON members (``manifest.json``,
``index.json``, ``repositories``, ``oci-layout``) are kept as bytes. ``plan_from_members`` then
says what to record: for each image its manifest bytes (stored, or synthesized for a
docker-archive exactly as ``docker_archive.read`` does), config digest, layer digests and names.
Other blobs it needs (configs, OCI manifests and indexes) it asks for with ``read_blob``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from pallet.errors import DigestMismatch, InvalidArchive, InvalidArgument
from pallet.oci import mediatypes as mt
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest
from pallet.oci.platform import Platform, host_platform
from pallet.transports import docker_archive as da
from pallet.transports._lazy import check_digest
from pallet.transports.layout import entry_names

__all__ = ["LoadPlan", "archive_kind", "plan_from_members"]

ReadBlob = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """One image to record after a streamed load."""

    manifest_bytes: bytes
    config_digest: str
    layer_digests: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def archive_kind(member_names: Iterable[str]) -> str | None:
    """``"docker-archive"`` (has manifest.json, Docker >= 25 too), ``"oci-archive"`` (has
    index.json), or None."""
    names = {n.removeprefix("./") for n in member_names}
    if "manifest.json" in names:
        return da.KIND
    if "index.json" in names:
        return "oci-archive"
    return None


def plan_from_members(
    files: Mapping[str, bytes],
    member_digests: Mapping[str, str],
    *,
    read_blob: ReadBlob,
    member_sizes: Mapping[str, int] | None = None,
    links: Mapping[str, str] | None = None,
    blob_head: Callable[[str], bytes] | None = None,
    platform: Platform | None = None,
) -> list[LoadPlan]:
    """The images a streamed archive holds.

    ``member_sizes`` (path -> size) is needed for docker-archives, whose manifests are
    synthesized; ``links`` maps symlink members to their targets; ``blob_head(digest)`` gives a
    blob's first bytes to tell a compressed docker-archive layer (gzip is assumed without it).
    An OCI index entry that is itself an index plans the child for ``platform`` (the host's by
    default). Raises InvalidArchive for a member or blob that is named but absent, and
    DigestMismatch when a ``blobs/sha256/HEX`` member does not hash to HEX.
    """
    files = {k.removeprefix("./"): v for k, v in files.items()}
    digests = {k.removeprefix("./"): v for k, v in member_digests.items()}
    for src, dst in (links or {}).items():
        target = dst.removeprefix("./")
        if target in digests:
            digests.setdefault(src.removeprefix("./"), digests[target])
    _check_blob_members(digests)
    kind = archive_kind(files)
    if kind == da.KIND:
        return _docker(files, digests, read_blob, member_sizes or {}, blob_head)
    if kind == "oci-archive":
        return _oci(files, set(digests.values()), read_blob, platform or host_platform())
    raise InvalidArchive("not an image archive: no manifest.json or index.json")


def _check_blob_members(digests: Mapping[str, str]) -> None:
    for path, digest in digests.items():
        parts = path.split("/")
        blob = len(parts) == 3 and parts[0] == "blobs" and parts[1] == "sha256"
        if blob and digest != f"sha256:{parts[2]}":
            raise DigestMismatch(f"sha256:{parts[2]}", digest, f"member {path}")


def _docker(
    files: Mapping[str, bytes],
    digests: Mapping[str, str],
    read_blob: ReadBlob,
    sizes: Mapping[str, int],
    blob_head: Callable[[str], bytes] | None,
) -> list[LoadPlan]:
    stored: dict[str, bytes] = {}
    if "index.json" in files:  # Docker >= 25 keeps the real manifests
        for desc in Index.from_bytes(files["index.json"]).manifests:
            if desc.media_type in mt.MANIFEST_TYPES:
                data = read_blob(desc.digest)
                check_digest(data, desc.digest, "manifest")
                stored[Manifest.from_bytes(data).config.digest] = data
    plans = []
    for config_name, tags, layer_names in da.parse_manifest_json(files["manifest.json"]):
        config_digest = _member(digests, config_name)
        config = read_blob(config_digest)
        layers = [_member(digests, m) for m in layer_names]
        manifest_bytes = stored.get(config_digest)
        if manifest_bytes is None:
            diff_ids = _diff_ids(config, len(layers))
            descs = []
            for member, digest, diff_id in zip(layer_names, layers, diff_ids, strict=True):
                if member not in sizes:
                    raise InvalidArgument(f"plan_from_members: no size for member {member}")
                if digest == diff_id:
                    media = mt.OCI_LAYER
                else:
                    head = blob_head(digest) if blob_head else b"\x1f\x8b"
                    media = da.layer_media_type(head, member)
                    if media == mt.OCI_LAYER:
                        raise DigestMismatch(diff_id, digest, "layer diffID")
                descs.append(Descriptor(media, digest, sizes[member]))
            manifest_bytes = da.synthesize_manifest(config, descs)
        plans.append(LoadPlan(manifest_bytes, config_digest, layers, da.names_of(tags)))
    return plans


def _member(digests: Mapping[str, str], name: str) -> str:
    digest = digests.get(name.removeprefix("./"))
    if digest is None:
        raise InvalidArchive(f"invalid {da.KIND}: manifest.json names missing file {name}")
    return digest


def _diff_ids(config: bytes, count: int) -> list[str]:
    try:
        diff_ids = [str(d) for d in json.loads(config)["rootfs"]["diff_ids"]]
    except (ValueError, KeyError, TypeError):
        raise InvalidArchive(f"invalid {da.KIND}: config has no diff_ids") from None
    if len(diff_ids) != count:
        raise InvalidArchive(f"invalid {da.KIND}: {count} layers for {len(diff_ids)} diffIDs")
    return diff_ids


def _oci(
    files: Mapping[str, bytes], present: set[str], read_blob: ReadBlob, platform: Platform
) -> list[LoadPlan]:
    def need(digest: str) -> bytes:
        if digest not in present:
            raise InvalidArchive(f"invalid oci-archive: missing blob {digest}")
        data = read_blob(digest)
        check_digest(data, digest, "blob")
        return data

    plans: list[LoadPlan] = []
    by_digest: dict[str, LoadPlan] = {}
    for entry in Index.from_bytes(files["index.json"]).manifests:
        names = entry_names(entry)
        if entry.digest in by_digest:
            by_digest[entry.digest].names.extend(
                n for n in names if n not in by_digest[entry.digest].names
            )
            continue
        desc = entry
        if entry.media_type in mt.INDEX_TYPES:
            desc = _pick(Index.from_bytes(need(entry.digest)), platform)
        manifest_bytes = need(desc.digest)
        manifest = Manifest.from_bytes(manifest_bytes)
        for layer in (manifest.config, *manifest.layers):
            if layer.digest not in present:
                raise InvalidArchive(f"invalid oci-archive: missing blob {layer.digest}")
        plan = LoadPlan(
            manifest_bytes,
            manifest.config.digest,
            [layer.digest for layer in manifest.layers],
            list(names),
        )
        by_digest[entry.digest] = plan
        plans.append(plan)
    return plans


def _pick(index: Index, platform: Platform) -> Descriptor:
    for desc in index.manifests:
        p = desc.platform
        same = p is not None and (p.os, p.architecture) == (platform.os, platform.architecture)
        if same and (
            not platform.variant or not p or not p.variant or p.variant == platform.variant
        ):
            return desc
    wanted = f"{platform.os}/{platform.architecture}"
    raise InvalidArchive(f"invalid oci-archive: no image for {wanted}")
