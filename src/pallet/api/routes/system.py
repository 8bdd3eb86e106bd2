"""``/_ping``, ``/version``, ``/info``, ``/events``, ``/system/df``, ``/auth``."""

from __future__ import annotations

import os
import platform
import queue
import socket
import time
from typing import TYPE_CHECKING, Any

from pallet.api.http import HTTPError, Request, Response
from pallet.api.router import API_VERSION, MIN_API_VERSION, route
from pallet.api.shapes import parse_filters, parse_time

if TYPE_CHECKING:
    from pallet.api.service import Service

#: The Docker Engine release whose API pallet speaks (API 1.44 is Docker 25.0).
ENGINE_VERSION = "25.0.0"


def _ping_headers() -> dict[str, str]:
    return {
        "API-Version": API_VERSION,
        "Builder-Version": "1",
        "Cache-Control": "no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
        "Swarm": "inactive",
    }


@route("GET", "/_ping")
def ping(req: Request, resp: Response, svc: Service) -> None:
    resp.send(200, b"OK", "text/plain; charset=utf-8", **_ping_headers())


@route("HEAD", "/_ping")
def ping_head(req: Request, resp: Response, svc: Service) -> None:
    resp.send(200, b"", "text/plain; charset=utf-8", **_ping_headers())


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


@route("GET", "/version")
def version(req: Request, resp: Response, svc: Service) -> None:
    from pallet import __version__

    details = {
        "ApiVersion": API_VERSION,
        "Arch": _arch(),
        "BuildTime": "",
        "Experimental": "false",
        "GitCommit": "pallet",
        "GoVersion": f"python{platform.python_version()}",
        "KernelVersion": platform.release(),
        "MinAPIVersion": MIN_API_VERSION,
        "Os": "linux",
    }
    resp.json(
        {
            "Platform": {"Name": f"pallet {__version__}"},
            "Components": [{"Name": "Engine", "Version": ENGINE_VERSION, "Details": details}],
            "Version": ENGINE_VERSION,
            "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "GitCommit": "pallet",
            "GoVersion": details["GoVersion"],
            "Os": "linux",
            "Arch": _arch(),
            "KernelVersion": platform.release(),
            "BuildTime": "",
        }
    )


def _os_name() -> str:
    try:
        with open("/etc/os-release", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def _mem_total() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            return int(fh.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0


@route("GET", "/info")
def info(req: Request, resp: Response, svc: Service) -> None:
    from pallet import __version__
    from pallet.engine.containers import list_containers

    engine = svc.engine()
    views = list_containers(engine, all_=True)
    running = sum(1 for v in views if v.state.status == "running")
    paused = sum(1 for v in views if v.state.status == "paused")
    cgroup2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    resp.json(
        {
            "ID": "pallet",
            "Containers": len(views),
            "ContainersRunning": running,
            "ContainersPaused": paused,
            "ContainersStopped": len(views) - running - paused,
            "Images": len(list(engine.store.images)),
            "Driver": "overlay",
            "DriverStatus": [["Backing Filesystem", "overlay"]],
            "Plugins": {
                "Volume": ["local"],
                "Network": ["host", "null"],
                "Authorization": None,
                "Log": ["json-file"],
            },
            "MemoryLimit": True,
            "SwapLimit": False,
            "CpuCfsPeriod": True,
            "CpuCfsQuota": True,
            "PidsLimit": True,
            "IPv4Forwarding": False,
            "Debug": False,
            "NFd": len(os.listdir("/proc/self/fd")),
            "NGoroutines": 0,
            "SystemTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "LoggingDriver": "json-file",
            "CgroupDriver": "cgroupfs",
            "CgroupVersion": "2" if cgroup2 else "1",
            "NEventsListener": 0,
            "KernelVersion": platform.release(),
            "OperatingSystem": _os_name(),
            "OSVersion": "",
            "OSType": "linux",
            "Architecture": platform.machine(),
            "IndexServerAddress": "https://index.docker.io/v1/",
            "RegistryConfig": {"IndexConfigs": {}, "InsecureRegistryCIDRs": [], "Mirrors": []},
            "NCPU": os.cpu_count() or 1,
            "MemTotal": _mem_total(),
            "DockerRootDir": str(engine.root.path),
            "Name": socket.gethostname(),
            "Labels": [],
            "ExperimentalBuild": False,
            "ServerVersion": ENGINE_VERSION,
            "Runtimes": {"runc": {"path": "runc"}},
            "DefaultRuntime": engine.runtime_name or "runc",
            "Swarm": {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": ""},
            "LiveRestoreEnabled": True,
            "Isolation": "",
            "InitBinary": "catatonit",
            "SecurityOptions": ["name=seccomp,profile=builtin"],
            "Warnings": [f"pallet {__version__}: containers share the host's network"],
        }
    )


@route("GET", "/events")
def events(req: Request, resp: Response, svc: Service) -> None:
    since = parse_time(req.arg("since"))
    until = parse_time(req.arg("until"))
    filters = parse_filters(req.json_arg("filters"))
    q, recent = svc.events.subscribe()

    def wanted(ev: dict[str, Any]) -> bool:
        t = ev["timeNano"] / 1e9
        if since is not None and t < since:
            return False
        if until is not None and t > until:
            return False
        if "type" in filters and ev["Type"] not in filters["type"]:
            return False
        if "event" in filters and ev["Action"] not in filters["event"]:
            return False
        ids = filters.get("container", []) + filters.get("image", [])
        return not ids or ev["Actor"]["ID"] in ids or ev["Actor"]["Attributes"].get("name") in ids

    try:
        resp.stream(200, "application/json")
        if since is not None:
            for ev in recent:
                if wanted(ev):
                    resp.write_json(ev)
        while until is None or time.time() < until:
            wait = 1.0 if until is None else max(0.0, min(1.0, until - time.time()))
            try:
                ev = q.get(timeout=wait)
            except queue.Empty:
                if _peer_closed(resp):
                    resp.keep_alive = False
                    return
                continue
            if wanted(ev):
                resp.write_json(ev)
        resp.end()
    finally:
        svc.events.unsubscribe(q)


def _peer_closed(resp: Response) -> bool:
    import select

    sock = resp.conn.sock
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        data = sock.recv(65536, socket.MSG_PEEK)
    except OSError:
        return True
    return not data


@route("GET", "/system/df")
def system_df(req: Request, resp: Response, svc: Service) -> None:
    from pallet.api.routes.containers import container_summaries
    from pallet.api.routes.images import image_summaries
    from pallet.api.routes.volumes import volume_shape
    from pallet.engine.volumes import list_volumes

    engine = svc.engine()
    images = image_summaries(engine, all_=True, filters={})
    resp.json(
        {
            "LayersSize": sum(i["Size"] for i in images),
            "Images": images,
            "Containers": container_summaries(engine, all_=True, filters={}, size=True),
            "Volumes": [volume_shape(v) for v in list_volumes(engine)],
            "BuildCache": [],
        }
    )


@route("POST", "/auth")
def auth(req: Request, resp: Response, svc: Service) -> None:
    body = req.json(default={})
    if not isinstance(body, dict):
        raise HTTPError(400, "invalid auth configuration")
    server = str(body.get("serveraddress") or "")
    host = server.removeprefix("https://").removeprefix("http://").split("/", 1)[0]
    if not host or host in ("index.docker.io", "registry-1.docker.io"):
        host = "docker.io"
    from pallet.transports.config.registries import load_registries_conf
    from pallet.transports.registry import verify_login

    verify_login(
        host,
        str(body.get("username") or ""),
        str(body.get("password") or ""),
        insecure=load_registries_conf().is_insecure(host),
    )
    resp.json({"Status": "Login Succeeded", "IdentityToken": ""})
