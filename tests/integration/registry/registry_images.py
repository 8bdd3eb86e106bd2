"""Small in-memory images for the registry tests: a busybox rootfs layer, config, manifest."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pallet.oci import mediatypes as mt
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index, Manifest
from pallet.oci.platform import Platform


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def busybox_tar(extra: bytes = b"") -> bytes:
    """An uncompressed rootfs tar: the host's static busybox plus /etc/passwd."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))

        for d in ("bin", "etc", "tmp"):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        path = shutil.which("busybox")
        add("bin/busybox", Path(path).read_bytes() if path else b"#!fake\n", 0o755)
        add("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        if extra:
            add("etc/extra", extra)
    return buf.getvalue()


@dataclass
class MemLayer:
    blob: bytes
    diff: str
    media_type: str = mt.OCI_LAYER_GZIP

    @property
    def descriptor(self) -> Descriptor:
        return Descriptor(self.media_type, sha(self.blob), len(self.blob))

    @property
    def diff_id(self) -> str:
        return self.diff

    def open(self) -> BinaryIO:
        return io.BytesIO(self.blob)


class MemImage:
    """An Image held in memory."""

    def __init__(
        self,
        layers: Sequence[MemLayer],
        arch: str = "amd64",
        docker: bool = False,
        variant: str = "",
    ) -> None:
        self._layers = list(layers)
        cfg: dict[str, object] = {
            "architecture": arch,
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [la.diff for la in layers]},
        }
        if variant:
            cfg["variant"] = variant
        self.config_bytes = json.dumps(cfg, separators=(",", ":")).encode()
        mtype = mt.DOCKER_MANIFEST if docker else mt.OCI_MANIFEST
        ctype = mt.DOCKER_CONFIG if docker else mt.OCI_CONFIG
        man = {
            "schemaVersion": 2,
            "mediaType": mtype,
            "config": {
                "mediaType": ctype,
                "digest": sha(self.config_bytes),
                "size": len(self.config_bytes),
            },
            "layers": [la.descriptor.to_json() for la in layers],
        }
        self.manifest_bytes = json.dumps(man, indent=2).encode()
        self.manifest = Manifest.from_bytes(self.manifest_bytes)
        self.platform = Platform("linux", arch, variant)

    @property
    def config(self) -> ImageConfig:
        return ImageConfig.from_bytes(self.config_bytes)

    def layers(self) -> list[MemLayer]:
        return self._layers

    @property
    def digest(self) -> str:
        return sha(self.manifest_bytes)


def make_layer(extra: bytes = b"", docker: bool = False) -> MemLayer:
    raw = busybox_tar(extra)
    blob = gzip.compress(raw, mtime=0)
    return MemLayer(blob, sha(raw), mt.DOCKER_LAYER if docker else mt.OCI_LAYER_GZIP)


def make_image(extra: bytes = b"", arch: str = "amd64", variant: str = "") -> MemImage:
    return MemImage([make_layer(extra)], arch=arch, variant=variant)


class MemIndex:
    """An ImageIndex over MemImages."""

    def __init__(self, images: Sequence[MemImage]) -> None:
        self.images = {img.digest: img for img in images}
        idx = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                {
                    "mediaType": mt.OCI_MANIFEST,
                    "digest": img.digest,
                    "size": len(img.manifest_bytes),
                    "platform": img.platform.to_json(),
                }
                for img in images
            ],
        }
        self.index_bytes = json.dumps(idx).encode()
        self.index = Index.from_bytes(self.index_bytes)

    def image(self, descriptor: Descriptor) -> MemImage:
        return self.images[descriptor.digest]


class MemSink:
    """A BlobSink collecting bytes, recording commit/abort."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.committed = False
        self.aborted = False

    def write(self, data: bytes, /) -> int:
        self.buf += data
        return len(data)

    def commit(self) -> bytes:
        self.committed = True
        return bytes(self.buf)

    def abort(self) -> None:
        self.aborted = True
        self.buf.clear()
