"""The executor against a fake StepRunner: step order, cache use, podman's progress lines."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pallet.build import parse
from pallet.build.cache import CacheIndex
from pallet.build.executor import BuildOptions, execute
from pallet.build.runner import ImageState, LayerRef, RunRequest, StepFailed
from pallet.oci.config import ImageConfig
from pallet.oci.descriptor import Descriptor


class FakeRunner:
    def __init__(self) -> None:
        self.images: dict[str, ImageState] = {}
        self.runs: list[RunRequest] = []
        self.counter = itertools.count()
        self.fail = False
        base = ImageState("sha256:base", ImageConfig("amd64", "linux"))
        self.images[base.id] = base

    def base_image(self, ref: str, *, platform: str | None, pull: str) -> ImageState:
        return self.images["sha256:base"]

    def load_image(self, image_id: str) -> ImageState:
        return self.images[image_id]

    def image_ids(self) -> frozenset[str]:
        return frozenset(self.images)

    def _layer(self) -> LayerRef:
        d = f"sha256:{next(self.counter):064x}"
        return LayerRef(Descriptor("application/vnd.oci.image.layer.v1.tar", d, 1), d)

    def write_layer(self, parent: ImageState, fill: Callable[[str], None]) -> LayerRef:
        return self._layer()

    def run(self, parent: ImageState, request: RunRequest) -> LayerRef:
        if self.fail:
            raise StepFailed("exit status 2", 2)
        self.runs.append(request)
        return self._layer()

    @contextmanager
    def rootfs(self, state: ImageState) -> Iterator[str]:
        yield "/nonexistent"

    def commit(self, config: bytes, layers: tuple[Descriptor, ...], names: tuple[str, ...]) -> str:
        import hashlib

        image_id = "sha256:" + hashlib.sha256(config).hexdigest()
        self.images[image_id] = ImageState(image_id, ImageConfig.from_bytes(config), layers)
        return image_id

    def tag(self, image_id: str, names: tuple[str, ...]) -> None:
        pass


TEXT = 'FROM busybox\nARG V=1\nENV E=2\nRUN echo $V $E\nCMD ["sh"]\n'


def _build(runner: FakeRunner, tmp_path: Path, **kw: object) -> list[str]:
    lines: list[str] = []
    opts = BuildOptions(tags=("localhost/t:latest",), **kw)  # type: ignore[arg-type]
    execute(parse(TEXT), None, runner, CacheIndex(tmp_path / "c.json"), opts, lines.append)
    return lines


def test_cold_then_cached(tmp_path: Path) -> None:
    runner = FakeRunner()
    cold = _build(runner, tmp_path)
    assert cold[0] == "STEP 1/5: FROM busybox"
    assert cold[-3:-1] == ["COMMIT localhost/t:latest", cold[-2]]
    assert len(runner.runs) == 1
    req = runner.runs[0]
    assert req.argv == ("/bin/sh", "-c", "echo $V $E")
    assert "V=1" in req.env and "E=2" in req.env
    warm = _build(runner, tmp_path)
    assert len(runner.runs) == 1
    assert sum(line.startswith("--> Using cache") for line in warm) == 4
    _build(runner, tmp_path, no_cache=True)
    assert len(runner.runs) == 2


def test_failing_run_is_reported_with_the_step(tmp_path: Path) -> None:
    runner = FakeRunner()
    runner.fail = True
    with pytest.raises(StepFailed) as info:
        _build(runner, tmp_path)
    assert (
        str(info.value) == 'building at STEP "RUN echo $V $E": while running runtime: exit status 2'
    )
    assert info.value.exit_code == 1
