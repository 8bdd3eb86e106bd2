"""``POST /build``: Docker's classic builder endpoint. The body is the context as a tar (plain
or compressed); progress and RUN output stream back as ``{"stream": ...}`` lines, ending with
``{"aux": {"ID": ...}}``, ``Successfully built ID`` and ``Successfully tagged NAME``."""

from __future__ import annotations

import io
import os
import threading
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import route

if TYPE_CHECKING:
    from pallet.api.service import Service


def _pairs(req: Request, name: str) -> dict[str, str]:
    raw = req.json_arg(name) or {}
    if not isinstance(raw, dict):
        raise HTTPError(400, f"invalid {name}: want a JSON object")
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def _tagged(name: str) -> str:
    last = name.rpartition("/")[2]
    return name if ":" in last or "@" in last else f"{name}:latest"


@route("POST", "/build")
def build(req: Request, resp: Response, svc: Service) -> None:
    from pallet.build.executor import BuildOptions
    from pallet.engine.build import BuildSource, build_image

    if req.arg("remote"):
        raise HTTPError(400, "remote build contexts are not supported")
    tags = tuple(t for t in req.query.get("t", []) if t)
    pull = "always" if req.flag("pull") else "missing"
    options = BuildOptions(
        tags=tags,
        build_args=_pairs(req, "buildargs"),
        target=req.arg("target") or None,
        no_cache=req.flag("nocache"),
        pull=pull,
        platform=req.arg("platform"),
        labels=tuple(_pairs(req, "labels").items()),
        network=req.arg("networkmode") if req.arg("networkmode") in ("host", "none") else "host",
    )
    quiet = req.flag("q")
    lock = threading.Lock()

    def send(obj: dict[str, Any]) -> None:
        with lock:
            resp.write_json(obj)

    def log(line: str) -> None:
        if not quiet:
            send({"stream": line + "\n"})

    r, w = os.pipe()

    def forward() -> None:
        with os.fdopen(r, "rb", buffering=0) as fh:
            while data := fh.read(65536):
                if not quiet:
                    send({"stream": data.decode(errors="replace")})

    forwarder = threading.Thread(target=forward, daemon=True, name="pallet-build-output")
    resp.stream(200, "application/json")
    forwarder.start()
    try:
        source = BuildSource(
            context_tar=io.BufferedReader(req.body, 1 << 20),
            dockerfile=req.arg("dockerfile") or None,
        )
        result = build_image(svc.engine(), source, options, log=log, stdout=w, stderr=w)
    finally:
        os.close(w)
        forwarder.join()
    hexid = result.image_id.partition(":")[2]
    send({"aux": {"ID": result.image_id}})
    if quiet:
        send({"stream": result.image_id + "\n"})
    else:
        send({"stream": f"Successfully built {hexid[:12]}\n"})
        for tag in tags:
            send({"stream": f"Successfully tagged {_tagged(tag)}\n"})
    svc.emit("image", "build", result.image_id)
    resp.end()
