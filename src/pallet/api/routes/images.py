"""``/images/...``: list, inspect, history, tag, remove, prune, load, save (get)."""

from __future__ import annotations

import fnmatch
import io
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route
from pallet.api.shapes import epoch, familiar, label_match, parse_filters

if TYPE_CHECKING:
    from pallet.api.service import Service
    from pallet.engine.context import Engine
    from pallet.store.store import StoreImage
    from pallet.transports.registry import RegistryOptions


def registry_options(req: Request, name: str = "", **extra: Any) -> RegistryOptions:
    """RegistryOptions with the credentials of the ``X-Registry-Auth`` header, if any.

    As dockerd does, registries on the loopback interface are reached over plain HTTP
    (``name`` is the image the request is about)."""
    import base64
    import json

    from pallet.transports.registry import RegistryOptions

    header = req.headers.get("x-registry-auth", "")
    if header and "credentials" not in extra:
        try:
            raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
            obj = json.loads(raw or b"{}")
        except ValueError:
            raise HTTPError(400, "invalid X-Registry-Auth header") from None
        if isinstance(obj, dict) and obj.get("username"):
            extra["credentials"] = (str(obj["username"]), str(obj.get("password") or ""))
    host = name.split("/", 1)[0] if "/" in name else ""
    if host.startswith(("localhost:", "127.")) or host in ("localhost", "[::1]"):
        extra.setdefault("tls_verify", False)
    extra.setdefault("max_workers", 6)
    return RegistryOptions(**extra)


def repo_tags(names: tuple[str, ...] | list[str]) -> list[str]:
    return [familiar(n) for n in names]


def _repo_digests(img: StoreImage) -> list[str]:
    rec = img.record
    found = list(rec.digests) or [
        f"{n.rpartition(':')[0]}@{rec.manifest_digest}" for n in rec.names
    ]
    return [familiar(d) for d in dict.fromkeys(found)]


def image_summaries(engine: Engine, *, all_: bool, filters: dict[str, list[str]]) -> list[Any]:
    """``GET /images/json`` rows: one per image, Docker's shape, filtered."""
    from pallet.engine.usage import containers_using_images

    usage = containers_using_images(engine)
    out = []
    records = sorted(engine.store.images, key=lambda r: (r.created, r.id), reverse=True)
    images = {rec.id: engine.store.image(rec) for rec in records}
    hidden = set() if all_ else _intermediate(images)
    for rec in records:
        if rec.id in hidden:
            continue
        img = images[rec.id]
        labels = dict(img.config.config.label_map)
        tags = repo_tags(rec.names)
        if "dangling" in filters:
            want = filters["dangling"][-1].lower() in ("true", "1")
            if want != (not rec.names):
                continue
        if "label" in filters and not label_match(labels, filters["label"]):
            continue
        if "reference" in filters and not any(
            fnmatch.fnmatch(t, pat) or fnmatch.fnmatch(t.rpartition(":")[0], pat)
            for t in tags
            for pat in filters["reference"]
        ):
            continue
        size = img.size
        out.append(
            {
                "Id": rec.id,
                "ParentId": "",
                "RepoTags": tags,
                "RepoDigests": _repo_digests(img),
                "Created": epoch(img.config.created or rec.created),
                "Size": size,
                "SharedSize": -1,
                "VirtualSize": size,
                "Labels": labels,
                "Containers": len(usage.get(rec.id, ())),
            }
        )
    return out


def _intermediate(images: dict[str, StoreImage]) -> set[str]:
    """Untagged images whose layers start another image's (build steps): Docker lists them
    only with ``all``."""
    layers = {i: tuple(img.config.diff_ids) for i, img in images.items()}
    out = set()
    for i, img in images.items():
        if img.record.names:
            continue
        mine = layers[i]
        for j, theirs in layers.items():
            if j != i and len(theirs) > len(mine) and theirs[: len(mine)] == mine:
                out.add(i)
                break
    return out


@route("GET", "/images/json")
def list_images(req: Request, resp: Response, svc: Service) -> None:
    filters = parse_filters(req.json_arg("filters"))
    if req.arg("filter"):
        filters.setdefault("reference", []).append(req.arg("filter"))
    resp.json(image_summaries(svc.engine(), all_=req.flag("all"), filters=filters))


def image_inspect(engine: Engine, name: str) -> dict[str, Any]:
    """Docker's ``image inspect`` shape."""
    from pallet.engine.images import get_image

    img = get_image(engine, name)
    rec = img.record
    cfg = img.config
    config = cfg.config.to_json()
    for key, empty in (("Env", []), ("Cmd", None), ("Entrypoint", None), ("Labels", None)):
        config.setdefault(key, empty)
    layers = img.layer_dirs()
    return {
        "Id": rec.id,
        "RepoTags": repo_tags(rec.names),
        "RepoDigests": _repo_digests(img),
        "Parent": "",
        "Comment": cfg.history[-1].comment if cfg.history else "",
        "Created": cfg.created or rec.created,
        "Container": "",
        "ContainerConfig": {},
        "DockerVersion": "",
        "Author": cfg.author,
        "Config": config,
        "Architecture": cfg.architecture,
        "Variant": cfg.variant or None,
        "Os": cfg.os,
        "Size": img.size,
        "VirtualSize": img.size,
        "GraphDriver": {
            "Name": "overlay",
            "Data": {
                "LowerDir": ":".join(reversed(layers[:-1])),
                "UpperDir": layers[-1] if layers else "",
            },
        },
        "RootFS": {"Type": "layers", "Layers": list(cfg.diff_ids)},
        "Metadata": {"LastTagTime": rec.added or "0001-01-01T00:00:00Z"},
    }


@route("GET", "/images/get")
def save_many(req: Request, resp: Response, svc: Service) -> None:
    _save(resp, svc, req.query.get("names", []))


@route("GET", "/images/{name:path}/get")
def save_one(req: Request, resp: Response, svc: Service) -> None:
    _save(resp, svc, [req.params["name"]])


class _ChunkWriter(io.RawIOBase):
    def __init__(self, resp: Response) -> None:
        self.resp = resp

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.resp.write(bytes(data))
        return len(data)


def _save(resp: Response, svc: Service, names: list[str]) -> None:
    from pallet.engine.images import get_image
    from pallet.engine.save import save_images

    if not names:
        raise HTTPError(400, "no images specified")
    engine = svc.engine()
    for name in names:
        get_image(engine, name)  # a 404 before the stream starts
    resp.stream(200, "application/x-tar")
    with io.BufferedWriter(_ChunkWriter(resp), 1 << 20) as out:
        save_images(engine, names, out)
    resp.end()


@route("GET", "/images/{name:path}/json")
def inspect(req: Request, resp: Response, svc: Service) -> None:
    resp.json(image_inspect(svc.engine(), req.params["name"]))


@route("GET", "/images/{name:path}/history")
def history(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.images import get_image

    engine = svc.engine()
    img = get_image(engine, req.params["name"])
    cfg = img.config
    diff_ids = list(cfg.diff_ids)
    entries = list(cfg.history)
    rows = []
    for i, h in enumerate(reversed(entries)):
        index = sum(1 for e in entries[: len(entries) - i] if not e.empty_layer) - 1
        size = 0
        if not h.empty_layer and 0 <= index < len(diff_ids):
            size = engine.store.layers.info(diff_ids[index]).size
        rows.append(
            {
                "Id": img.record.id if i == 0 else "<missing>",
                "Created": epoch(h.created),
                "CreatedBy": h.created_by,
                "Tags": repo_tags(img.record.names) if i == 0 else None,
                "Size": size,
                "Comment": h.comment,
            }
        )
    resp.json(rows)


@route("POST", "/images/{name:path}/tag")
def tag(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.images import tag_image

    repo = req.arg("repo")
    if not repo:
        raise HTTPError(400, "repository name must have at least one component")
    target = f"{repo}:{req.arg('tag')}" if req.arg("tag") else repo
    rec = tag_image(svc.engine(), req.params["name"], [target])
    svc.emit("image", "tag", rec.id, name=target)
    resp.send(201)


@route("DELETE", "/images/{name:path}")
def remove(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.images import remove_images

    report = remove_images(svc.engine(), [req.params["name"]], force=req.flag("force"))
    out: list[dict[str, str]] = [{"Untagged": familiar(n)} for n in report.untagged]
    out += [{"Deleted": f"sha256:{h}"} for h in report.deleted]
    for h in report.deleted:
        svc.emit("image", "delete", f"sha256:{h}")
    resp.json(out)


@route("POST", "/images/prune")
def prune(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.images import prune_images

    filters = parse_filters(req.json_arg("filters"))
    dangling = (filters.get("dangling") or ["true"])[-1].lower() in ("true", "1")
    removed = prune_images(svc.engine(), all_=not dangling)
    resp.json(
        {
            "ImagesDeleted": [{"Deleted": f"sha256:{h}"} for h in removed] or None,
            "SpaceReclaimed": 0,
        }
    )


@route("POST", "/images/load")
def load(req: Request, resp: Response, svc: Service) -> None:
    from pallet.engine.load import load_archive

    loaded = load_archive(svc.engine(), io.BufferedReader(req.body, 1 << 20))
    resp.stream(200, "application/json")
    for image in loaded:
        names = [familiar(n) for n in image.names]
        for n in names or [image.record.id]:
            label = "Loaded image" if names else "Loaded image ID"
            resp.write_json({"stream": f"{label}: {n}\n"})
    resp.end()
