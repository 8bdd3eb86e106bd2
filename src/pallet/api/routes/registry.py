"""``POST /images/create`` (pull, or import with ``fromSrc``) and ``POST /images/{name}/push``,
streaming Docker's JSON progress messages.

The stream starts with the first progress message, so an error found before any transfer
(an unknown image, refused credentials) is still answered with its status code, as dockerd
does; later errors are reported in-band (``{"error": ..., "errorDetail": ...}``).
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.routes.images import registry_options
from pallet.api.shapes import familiar
from pallet.errors import RegistryError

if TYPE_CHECKING:
    from pallet.api.service import Service


class _Progress:
    """The registry transport's Progress, written as Docker's JSON lines (thread-safe)."""

    def __init__(self, resp: Response, verb: str) -> None:
        self.resp = resp
        self.verb = verb
        self.lock = threading.Lock()
        self.sizes: dict[str, int] = {}

    def message(self, obj: dict[str, Any]) -> None:
        with self.lock:
            if not self.resp.started:
                self.resp.stream(200, "application/json")
            self.resp.write_json(obj)

    def started(self, digest: str, size: int) -> None:
        self.sizes[digest] = size
        status = "Pulling fs layer" if self.verb == "pull" else "Preparing"
        self.message({"status": status, "progressDetail": {}, "id": _short(digest)})

    def advanced(self, digest: str, done: int) -> None:
        self.message(
            {
                "status": "Downloading" if self.verb == "pull" else "Pushing",
                "progressDetail": {"current": done, "total": self.sizes.get(digest, 0)},
                "id": _short(digest),
            }
        )

    def finished(self, digest: str, status: str) -> None:
        text = {"exists": "Already exists", "mounted": "Mounted from another repository"}.get(
            status, "Pull complete" if self.verb == "pull" else "Pushed"
        )
        if self.verb == "push" and status == "exists":
            text = "Layer already exists"
        self.message({"status": text, "progressDetail": {}, "id": _short(digest)})


def _short(digest: str) -> str:
    return digest.partition(":")[2][:12]


def _platform(text: str) -> Any:
    if not text:
        return None
    from pallet.oci.platform import Platform

    return Platform.parse(text)


@route("POST", "/images/create")
def create(req: Request, resp: Response, svc: Service) -> None:
    if req.arg("fromSrc"):
        _import(req, resp, svc)
        return
    image = req.arg("fromImage")
    if not image:
        raise HTTPError(400, "fromImage or fromSrc is required")
    tag = req.arg("tag")
    if tag:
        image = f"{image}@{tag}" if tag.startswith("sha256:") else f"{image}:{tag}"
    from pallet.engine.pull import pull_image

    progress = _Progress(resp, "pull")
    engine = svc.engine()
    before = {r.id for r in engine.store.images}
    repo, _, ref = image.rpartition(":") if "@" not in image else image.partition("@")
    progress_first = {"status": f"Pulling from {familiar(repo or image)}", "id": ref or "latest"}
    try:
        record = pull_image(
            engine,
            image,
            platform=_platform(req.arg("platform")),
            progress=progress,
            options=registry_options(req, image),
        )
    except RegistryError as exc:
        if exc.status in (401, 403, 404) and not resp.started:
            repo_name = familiar(image.rpartition(":")[0] if ":" in image else image)
            raise HTTPError(
                404,
                f"pull access denied for {repo_name}, repository does not exist or may require "
                f"'docker login': {exc}",
            ) from None
        raise
    progress.message(progress_first)
    progress.message({"status": f"Digest: {record.manifest_digest}"})
    fresh = record.id not in before
    status = "Downloaded newer image for" if fresh else "Image is up to date for"
    progress.message({"status": f"Status: {status} {familiar(image)}"})
    svc.emit("image", "pull", familiar(image), name=familiar(image))
    resp.end()


def _import(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.importing import import_tarball

    if req.arg("fromSrc") != "-":
        raise HTTPError(400, "only fromSrc=- (the request body) is supported")
    repo = req.arg("repo")
    name = f"{repo}:{req.arg('tag')}" if repo and req.arg("tag") else repo
    changes = req.query.get("changes", [])
    rec = import_tarball(
        svc.engine(),
        io.BufferedReader(req.body, 1 << 20),
        reference=name or None,
        changes=changes,
        message=req.arg("message"),
    )
    resp.stream(200, "application/json")
    resp.write_json({"status": rec.id})
    resp.end()


@route("POST", "/images/{name:path}/push")
def push(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.images import get_image
    from pallet.engine.push import push_image

    name = req.params["name"]
    if req.arg("tag"):
        name = f"{name}:{req.arg('tag')}"
    engine = svc.engine()
    get_image(engine, name)
    progress = _Progress(resp, "push")
    progress.message({"status": f"The push refers to repository [{name.rpartition(':')[0]}]"})
    digest = push_image(engine, name, options=registry_options(req, name), progress=progress)
    tag = name.rpartition(":")[2] if ":" in name.rpartition("/")[2] else "latest"
    progress.message({"status": f"{tag}: digest: {digest} size: 0"})
    progress.message({"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest, "Size": 0}})
    svc.emit("image", "push", name)
    resp.end()
