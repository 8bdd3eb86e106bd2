"""Preparing COPY and ADD: their sources, the digest that keys their cache entry, and the
function that writes them into a mounted rootfs.

A :class:`CopyPlan` is made before the cache lookup (hashing only what the step copies) and
run only on a miss. ADD downloads URLs into the build's scratch directory (the bytes are part
of the key) and unpacks local tar archives, compressed or not.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pallet.build import instructions as ins
from pallet.build.context import BuildContext, Source
from pallet.build.copier import CopyItem, Owner, copy_items
from pallet.errors import BuildError

__all__ = ["CopyPlan", "lookup_owner", "plan_copy"]


@dataclass(slots=True)
class CopyPlan:
    """The sources of one COPY/ADD and the digest of their content."""

    inst: ins.Copy | ins.Add
    digest: str
    sources: list[Source] = field(default_factory=list)
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (name, host path)
    from_root: Callable[[], AbstractContextManager[str]] | None = None
    context: BuildContext | None = None

    def fill(self, rootfs: str, workdir: str) -> None:
        """Copy into the mounted ``rootfs``."""
        inst = self.inst
        owner = lookup_owner(rootfs, inst.chown) if inst.chown else Owner(0, 0)
        chmod = _chmod(inst.chmod)
        if self.from_root is not None:
            with self.from_root() as src_root:
                ctx = BuildContext(Path(src_root))
                sources = [s for p in inst.sources for s in ctx.resolve(p, inst.keyword)]
                self._copy(rootfs, workdir, ctx, sources, owner, chmod)
            return
        self._copy(rootfs, workdir, self.context, self.sources, owner, chmod)

    def _copy(
        self,
        rootfs: str,
        workdir: str,
        ctx: BuildContext | None,
        sources: list[Source],
        owner: Owner,
        chmod: int | None,
    ) -> None:
        inst = self.inst
        items: list[CopyItem] = []
        for src in sources:
            assert ctx is not None
            unpack = None
            if isinstance(inst, ins.Add) and not src.is_dir and inst.unpack is not False:
                unpack = _archive_unpacker(src.path)
            items.append(CopyItem(name=src.name, path=src.path, is_dir=src.is_dir,
                                  walk=partial(ctx.walk, src), unpack=unpack))  # fmt: skip
        for name, path in self.downloads:
            items.append(CopyItem(name=name, path=path))
        for doc in inst.contents:
            items.append(CopyItem(name=doc.name, data=doc.content.encode()))
        copy_items(rootfs, items, inst.dest, workdir=workdir, owner=owner, chmod=chmod,
                   keyword=inst.keyword)  # fmt: skip


def plan_copy(
    inst: ins.Copy | ins.Add,
    context: BuildContext | None,
    *,
    scratch: str,
    from_id: str = "",
    from_root: Callable[[], AbstractContextManager[str]] | None = None,
) -> CopyPlan:
    """Resolve ``inst``'s sources and digest them (``from_id``: the image COPY --from names)."""
    if from_root is not None:
        return CopyPlan(inst, f"from:{from_id}", from_root=from_root)
    h = hashlib.sha256()
    plan = CopyPlan(inst, "")
    local: list[str] = []
    for src in inst.sources:
        if isinstance(inst, ins.Add) and src.startswith(("http://", "https://")):
            name, path = _download(src, scratch, inst.checksum)
            plan.downloads.append((name, path))
            with open(path, "rb") as fh:
                h.update(f"url:{name}:".encode() + hashlib.file_digest(fh, "sha256").digest())
        elif isinstance(inst, ins.Add) and (src.startswith("git@") or src.endswith(".git")):
            raise BuildError(f"{inst.keyword} of git repositories is not supported: {src}")
        else:
            local.append(src)
    if local:
        if context is None:
            raise BuildError(f"{inst.keyword} failed: no build context (Dockerfile from stdin)")
        plan.sources = [s for p in local for s in context.resolve(p, inst.keyword)]
        h.update(context.digest(plan.sources).encode())
        plan.context = context
    plan.digest = "sha256:" + h.hexdigest()
    return plan


def _chmod(text: str | None) -> int | None:
    if not text:
        return None
    try:
        mode = int(text, 8)
    except ValueError:
        raise BuildError(
            f"invalid chmod parameter {text!r}: only octal modes are supported"
        ) from None
    if mode > 0o7777:
        raise BuildError(f"invalid chmod parameter {text!r}")
    return mode


def _ids(rootfs: str, db: str, name: str) -> int | None:
    try:
        with open(os.path.join(rootfs, "etc", db), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.rstrip("\n").split(":")
                if len(fields) > 3 and fields[0] == name:
                    return int(fields[2])
    except (OSError, ValueError):
        return None
    return None


def lookup_owner(rootfs: str, spec: str) -> Owner:
    """``--chown USER[:GROUP]`` resolved in the image's /etc/passwd and /etc/group."""
    user, _, group = spec.partition(":")
    uid = int(user) if user.isdigit() else _ids(rootfs, "passwd", user)
    if uid is None:
        raise BuildError(f"unable to convert uid/gid chown string to host mapping: "
                         f"user {user!r} not found in the image")  # fmt: skip
    if group:
        gid = int(group) if group.isdigit() else _ids(rootfs, "group", group)
        if gid is None:
            raise BuildError(f"unable to convert uid/gid chown string to host mapping: "
                             f"group {group!r} not found in the image")  # fmt: skip
    else:
        gid = uid
        if not user.isdigit():
            try:
                with open(os.path.join(rootfs, "etc/passwd"), encoding="utf-8") as fh:
                    for line in fh:
                        f = line.split(":")
                        if len(f) > 3 and f[0] == user:
                            gid = int(f[3])
            except (OSError, ValueError):
                pass
    return Owner(uid, gid)


def _archive_unpacker(path: str) -> Callable[[str], None] | None:
    from pallet.archive import Compression, extract_layer, open_decompressed, sniff

    with open(path, "rb") as fh:
        head = fh.read(512)
        kind = sniff(head)
        if kind is not Compression.NONE:
            fh.seek(0)
            try:
                head = open_decompressed(fh).read(512)
            except Exception:
                return None
    if len(head) < 262 or head[257:262] != b"ustar":
        return None

    def unpack(dest: str) -> None:
        with open(path, "rb") as fh:
            extract_layer(open_decompressed(fh), Path(dest), mode="apply")

    return unpack


def _download(url: str, scratch: str, checksum: str | None) -> tuple[str, str]:
    import urllib.parse
    import urllib.request

    name = os.path.basename(urllib.parse.urlsplit(url).path) or "download"
    os.makedirs(scratch, exist_ok=True)
    target = os.path.join(scratch, hashlib.sha256(url.encode()).hexdigest()[:16], name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(target, "wb") as out:
            while chunk := resp.read(1 << 20):
                h.update(chunk)
                out.write(chunk)
    except OSError as exc:
        raise BuildError(f"ADD failed: reading {url}: {exc}") from None
    if checksum and checksum != "sha256:" + h.hexdigest():
        raise BuildError(f"ADD failed: checksum mismatch for {url}: got sha256:{h.hexdigest()}")
    os.chmod(target, 0o600)
    return name, target
