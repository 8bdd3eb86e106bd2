"""``pallet catalog build``: dependency order, skipping what is indexed, rebuilding what changed."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import zstandard

from tests.conftest import PalletCLI
from tests.integration.catalog.conftest import artifacts, built, index_routes, skipped, write_images

pytestmark = [pytest.mark.runc, pytest.mark.slow]


def _build(pallet: PalletCLI, top: Path, *args: str) -> str:
    out = pallet("catalog", "build", "--topsrcdir", str(top), *args, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_builds_in_order_then_skips_everything(pallet: PalletCLI, five: Path) -> None:
    first = _build(pallet, five)
    order = built(first)
    assert sorted(order) == ["base", "leaf1", "leaf2", "mid", "other"]
    assert order.index("base") < order.index("mid") < order.index("leaf1")
    assert order.index("mid") < order.index("leaf2") and order.index("base") < order.index("other")
    routes = index_routes(pallet.root)
    assert len(routes) == 15
    for name in ("base", "mid", "leaf1", "leaf2", "other"):
        assert f"{name}.latest" in routes
        assert sum(r.startswith(f"{name}.pushdate.") for r in routes) == 1
        digest = routes[f"{name}.latest"]["digest"]
        assert routes[f"{name}.hash.{digest}"] == routes[f"{name}.latest"]
    assert len(artifacts(pallet.root)) == 5

    second = _build(pallet, five)
    assert built(second) == []
    assert sorted(skipped(second)) == ["base", "leaf1", "leaf2", "mid", "other"]
    assert "catalog: 5 indexed" in second


def test_changed_leaf_rebuilds_only_that_leaf(pallet: PalletCLI, five: Path) -> None:
    _build(pallet, five)
    dockerfile = five / "taskcluster/docker/leaf2/Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "RUN echo changed > /changed\n")
    out = _build(pallet, five)
    assert built(out) == ["leaf2"]
    assert sorted(skipped(out)) == ["base", "leaf1", "mid", "other"]


def test_changed_parent_rebuilds_its_children(pallet: PalletCLI, five: Path) -> None:
    _build(pallet, five)
    (five / "taskcluster/docker/mid/m").write_text("m2\n")
    out = _build(pallet, five)
    assert sorted(built(out)) == ["leaf1", "leaf2", "mid"]
    assert sorted(skipped(out)) == ["base", "other"]
    run = pallet("run", "--rm", "leaf1:latest", "cat", "/m", "/l1", check=True)
    assert run.stdout == "m2\nleaf1\n"


def test_named_images_build_with_their_ancestors(pallet: PalletCLI, five: Path) -> None:
    out = _build(pallet, five, "leaf1")
    assert built(out) == ["base", "mid", "leaf1"]


def test_parallel_builds(pallet: PalletCLI, five: Path, tmp_path: Path) -> None:
    out = _build(pallet, five, "-j", "2", "--artifacts", str(tmp_path / "out"))
    assert sorted(built(out)) == ["base", "leaf1", "leaf2", "mid", "other"]
    assert "[leaf1] STEP 2/2: RUN echo leaf1 > /l1" in out
    for name in ("base", "mid", "leaf1", "leaf2", "other"):
        assert (tmp_path / "out" / name / "image.tar.zst").stat().st_size > 0
    again = _build(pallet, five, "-j", "2")
    assert built(again) == []


def _manifest(artifact: Path) -> list[dict[str, object]]:
    with (
        artifact.open("rb") as fh,
        zstandard.ZstdDecompressor().stream_reader(fh) as raw,
        tarfile.open(fileobj=raw, mode="r|") as tar,
    ):
        for member in tar:
            if member.name == "manifest.json":
                data = tar.extractfile(member)
                assert data is not None
                manifest: list[dict[str, object]] = json.loads(data.read())
                return manifest
    raise AssertionError("no manifest.json")


def test_artifact_is_a_zstd_docker_archive_that_loads_elsewhere(
    pallet: PalletCLI, five: Path, tmp_path: Path
) -> None:
    _build(pallet, five, "--artifacts", str(tmp_path / "out"))
    context_hash = pallet("catalog", "hash", "leaf1", "--topsrcdir", str(five), check=True)
    tag = f"leaf1:{context_hash.stdout.strip()}"
    artifact = tmp_path / "out" / "leaf1" / "image.tar.zst"
    assert _manifest(artifact)[0]["RepoTags"] == [tag]

    other = PalletCLI(tmp_path / "root2")
    loaded = other("catalog", "load", str(artifact), check=True)
    assert tag in loaded.stdout
    run = other("run", "--rm", tag, "cat", "/base", "/m", "/l1", check=True)
    assert run.stdout == "base\nm\nleaf1\n"

    retagged = other("catalog", "load", "-t", "mine", str(artifact), check=True)
    assert "Loaded image: localhost/mine:latest" in retagged.stdout


def test_load_by_name_and_route(pallet: PalletCLI, five: Path) -> None:
    _build(pallet, five)
    pallet("rmi", "-f", "leaf2:latest", check=False)
    by_name = pallet("catalog", "load", "leaf2", "--topsrcdir", str(five), check=True)
    assert "leaf2:" in by_name.stdout
    by_route = pallet("catalog", "load", "other.latest", check=True)
    assert "other:" in by_route.stdout
    missing = pallet("catalog", "load", "nothing-here")
    assert missing.returncode == 125 and "nothing-here" in missing.stderr


def test_kind_file_parents_and_args(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    kind = (
        "loader: taskgraph.loader.transform:loader\n"
        "tasks:\n"
        "  base:\n    symbol: I(b)\n    args:\n      GREETING: hello\n"
        "  child:\n    symbol: I(c)\n    parent: base\n"
    )
    top = write_images(
        tmp_path / "src",
        {
            "base": "FROM busybox\n# %ARG GREETING\nRUN echo $GREETING > /greeting\n",
            "child": "ARG DOCKER_IMAGE_PARENT\nFROM $DOCKER_IMAGE_PARENT\nARG DOCKER_IMAGE_PARENT\n"
            "RUN echo $DOCKER_IMAGE_PARENT > /parent\n",
        },
        {"taskcluster/kinds/docker-image/kind.yml": kind},
    )
    base_hash = pallet("catalog", "hash", "base", "--topsrcdir", str(top), check=True)
    other_hash = pallet("catalog", "hash", "base", "--arg", "GREETING=hi", "--topsrcdir", str(top))
    assert other_hash.stdout != base_hash.stdout
    _build(pallet, top)
    run = pallet("run", "--rm", "child:latest", "cat", "/greeting", "/parent", check=True)
    assert run.stdout == f"hello\nbase:{base_hash.stdout.strip()}\n"
    graph = pallet("catalog", "graph", "--topsrcdir", str(top), check=True)
    assert graph.stdout == "base\n└── child\n"


def test_load_from_a_url(pallet: PalletCLI, five: Path, tmp_path: Path) -> None:
    import functools
    import http.server
    import threading

    _build(pallet, five, "other", "--artifacts", str(tmp_path / "out"))
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "out")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/other/image.tar.zst"
        other = PalletCLI(tmp_path / "root2")
        loaded = other("catalog", "load", url, check=True)
        assert "other:" in loaded.stdout
        missing = other("catalog", "load", url.replace("other/", "nope/"))
        assert missing.returncode == 125 and "404" in missing.stderr
    finally:
        server.shutdown()


def test_a_failing_step_leaves_no_artifact_or_route(pallet: PalletCLI, five: Path) -> None:
    (five / "taskcluster/docker/leaf1/Dockerfile").write_text("FROM mid\nRUN exit 3\n")
    out = pallet("catalog", "build", "--topsrcdir", str(five), timeout=300)
    assert out.returncode == 125
    assert out.stderr.startswith("Error: image leaf1: ")
    routes = index_routes(pallet.root)
    assert not any(r.startswith("leaf1.") for r in routes)
    assert not list((pallet.root / "catalog" / "artifacts").glob("leaf1/*/*.zst"))
