"""Bad catalogs: one line naming the image and file, exit 125, nothing built or indexed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PalletCLI
from tests.integration.catalog.conftest import FIVE, artifacts, index_routes, write_images

pytestmark = [pytest.mark.runc]

KIND = "taskcluster/kinds/docker-image/kind.yml"


def _outside(top: Path) -> tuple[str, str]:
    folder = top / "taskcluster/docker/leaf2"
    (folder / "Dockerfile").write_text(FIVE["leaf2"] + "# %include ../outside.txt\n")
    return "leaf2", "taskcluster/docker/leaf2/Dockerfile"


def _missing(top: Path) -> tuple[str, str]:
    folder = top / "taskcluster/docker/leaf1"
    (folder / "Dockerfile").write_text(FIVE["leaf1"] + "# %include no/such/file\n")
    return "leaf1", "taskcluster/docker/leaf1/Dockerfile"


def _setuid(top: Path) -> tuple[str, str]:
    helper = top / "taskcluster/docker/other/helper"
    helper.write_text("#!/bin/sh\n")
    os.chmod(helper, 0o4755)
    return "other", "taskcluster/docker/other/helper"


def _cycle(top: Path) -> tuple[str, str]:
    (top / KIND).parent.mkdir(parents=True)
    (top / KIND).write_text(
        "tasks:\n  base: {}\n  mid: {parent: leaf1}\n  leaf1: {parent: mid}\n"
        "  leaf2: {parent: mid}\n  other: {parent: base}\n"
    )
    return "leaf1", KIND


def _unknown_parent(top: Path) -> tuple[str, str]:
    (top / KIND).parent.mkdir(parents=True)
    (top / KIND).write_text("tasks:\n  base: {}\n  mid: {parent: nope}\n")
    return "mid", KIND


CASES: dict[str, Callable[[Path], tuple[str, str]]] = {
    "include-outside": _outside,
    "include-missing": _missing,
    "setuid": _setuid,
    "cycle": _cycle,
    "unknown-parent": _unknown_parent,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_leaves_nothing(
    pallet: PalletCLI, busybox_image: str, tmp_path: Path, case: str
) -> None:
    top = write_images(tmp_path / "src", FIVE, {"taskcluster/docker/mid/m": "m\n"})
    (tmp_path / "src" / "outside.txt").parent.mkdir(exist_ok=True)
    (tmp_path / "outside.txt").write_text("secret\n")
    image, file = CASES[case](top)
    for args in (("build",), ("build", "-j", "3"), ("hash", image)):
        out = pallet("catalog", *args, "--topsrcdir", str(top))
        assert out.returncode == 125, out
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert f"image {image}" in lines[0] and file in lines[0], lines[0]
        assert artifacts(pallet.root) == []
        assert index_routes(pallet.root) == {}
    assert "Successfully tagged" not in out.stdout
