"""The public surface of the docker:// transport, platform selection, and import weight."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pallet.transports.config as config
import pallet.transports.registry as registry
from pallet.errors import RegistryError
from pallet.oci.descriptor import Descriptor
from pallet.oci.manifest import Index
from pallet.oci.platform import Platform


def test_all_is_exact() -> None:
    for mod in (registry, config):
        public = {n for n in vars(mod) if not n.startswith("_") and n not in ("annotations",)}
        submodules = {n for n in public if type(vars(mod)[n]).__name__ == "module"}
        assert sorted(mod.__all__) == sorted(public - submodules)


def _desc(n: int, plat: str) -> Descriptor:
    return Descriptor("m", f"sha256:{n:064x}", 1, platform=Platform.parse(plat))


def test_select_platform_prefers_exact_variant() -> None:
    idx = Index(
        "i",
        (
            _desc(1, "linux/amd64"),
            _desc(2, "linux/arm/v6"),
            _desc(3, "linux/arm/v7"),
            _desc(4, "linux/arm64/v8"),
        ),
    )
    assert registry.select_platform(idx, Platform.parse("linux/arm/v7")).digest.endswith("3")
    assert registry.select_platform(idx, Platform.parse("linux/arm64")).digest.endswith("4")
    with pytest.raises(RegistryError, match="no image found"):
        registry.select_platform(idx, Platform.parse("windows/amd64"))


def test_import_stays_light() -> None:
    code = (
        "import sys, pallet.transports.registry as r\n"
        "bad = [m for m in ('requests', 'urllib3', 'httpx', 'asyncio') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
