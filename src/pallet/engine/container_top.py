"""``top``, ``stats`` and ``port``: what a running container's processes do, and what it
published.

``top`` asks the runtime for the container's pids and reads /proc for docker's default
``ps -ef`` columns (or runs the host's ``ps`` with the caller's options and keeps the
container's rows). ``stats`` reads the container's cgroups, found from its init's
/proc/PID/cgroup (v1 controllers, or the unified v2 hierarchy). ``port`` reports the
``--publish`` mappings; with the host network the container's ports are the host's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from pallet.engine.container_exec import running_container
from pallet.engine.container_records import resolve_container
from pallet.engine.container_start import runtime_for
from pallet.engine.context import Engine
from pallet.errors import InvalidArgument, RuntimeFailure

__all__ = [
    "PortMapping",
    "Stats",
    "container_ports",
    "container_stats",
    "parse_publish",
    "top",
]

_PS_TITLES = ("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD")
_TICKS = os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    with open("/proc/stat", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _tty_name(tty_nr: int) -> str:
    if tty_nr == 0:
        return "?"
    major, minor = (tty_nr >> 8) & 0xFFF, (tty_nr & 0xFF) | ((tty_nr >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return f"pts/{(major - 136) * 256 + minor}"
    if major == 4:
        return f"tty{minor}"
    return "?"


def _ps_row(pid: int, boot: float, now: float) -> tuple[str, ...] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
        uid = os.stat(f"/proc/{pid}").st_uid
    except (FileNotFoundError, ProcessLookupError):
        return None  # gone meanwhile
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    ppid, tty_nr = int(fields[1]), int(fields[4])
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    started = boot + int(fields[19]) / _TICKS
    elapsed = max(now - started, 1e-9)
    when = time.localtime(started)
    stime = (
        time.strftime("%H:%M", when)
        if time.localtime(now)[:3] == when[:3]
        else time.strftime("%b%d", when)
    )
    secs = int(cpu)
    days, rest = divmod(secs, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return (
        _user_name(uid),
        str(pid),
        str(ppid),
        str(int(cpu * 100 / elapsed)),
        stime,
        _tty_name(tty_nr),
        f"{days}-{clock}" if days else clock,
        " ".join(argv) if argv else f"[{comm}]",
    )


def _ps_command(args: list[str], pids: list[int]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Run the host's ``ps ARGS`` and keep the rows of ``pids`` (by its PID column)."""
    from pallet.runtime.driver import _read_all, find_binary, spawn, wait_status

    binary = find_binary("ps")
    if binary is None:
        raise RuntimeFailure("top: ps options need the ps command on the host")
    r, w = os.pipe()
    pid = spawn([binary, *args], (os.open(os.devnull, os.O_RDONLY), w, w))
    os.close(w)
    out = _read_all(r).decode(errors="replace").splitlines()
    if wait_status(pid) != 0 or not out:
        raise RuntimeFailure(f"ps: {' '.join(out)[:400] or 'failed'}")
    titles = out[0].split()
    if "PID" not in titles:
        raise InvalidArgument(f"couldn't find PID field in ps output: {out[0]}")
    col = titles.index("PID")
    wanted = {str(p) for p in pids}
    rows = []
    for line in out[1:]:
        cells = line.split(None, len(titles) - 1)
        if len(cells) > col and cells[col] in wanted:
            rows.append(tuple(cells))
    return tuple(titles), rows


def top(
    engine: Engine, name: str, ps_args: list[str] | None = None
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """``docker top``: (titles, rows) for the running container's processes."""
    rec = running_container(engine, name)
    pids = sorted(runtime_for(engine).ps(rec.id))
    if ps_args and ps_args != ["-ef"]:
        return _ps_command(ps_args, pids)
    boot, now = _boot_time(), time.time()
    rows = [row for pid in pids if (row := _ps_row(pid, boot, now)) is not None]
    return _PS_TITLES, rows


@dataclass(frozen=True, slots=True)
class Stats:
    """One sample of ``docker stats``."""

    id: str
    name: str
    cpu_percent: float
    mem_usage: int
    mem_limit: int
    net_rx: int
    net_tx: int
    block_read: int
    block_write: int
    pids: int

    @property
    def mem_percent(self) -> float:
        return self.mem_usage * 100.0 / self.mem_limit if self.mem_limit else 0.0


def _cgroups(pid: int) -> dict[str, str]:
    """Controller → directory of ``pid``'s cgroups; "" for the unified (v2) hierarchy."""
    found: dict[str, str] = {}
    unified = "/sys/fs/cgroup"
    if not os.path.exists(unified + "/cgroup.controllers"):
        unified += "/unified"  # hybrid mode: v2 mounted beside the v1 controllers
    with open(f"/proc/{pid}/cgroup", encoding="ascii") as fh:
        for line in fh:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if not ctrls:
                found[""] = unified + path
            for ctrl in ctrls.split(",") if ctrls else ():
                if not ctrl.startswith("name="):
                    found[ctrl] = f"/sys/fs/cgroup/{ctrl}{path}"
    return found


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read()
    except OSError:
        return ""


def _int(path: str) -> int:
    text = _read(path).strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def _kv(path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in _read(path).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _cpu_usage_ns(cg: dict[str, str]) -> int:
    if "cpuacct" in cg:
        return _int(cg["cpuacct"] + "/cpuacct.usage")
    return _kv(cg.get("", "") + "/cpu.stat").get("usage_usec", 0) * 1000


def _system_ns() -> int:
    with open("/proc/stat", encoding="ascii") as fh:
        fields = fh.readline().split()[1:8]
    return sum(int(f) for f in fields) * 1_000_000_000 // _TICKS


def _memory(cg: dict[str, str]) -> tuple[int, int]:
    host_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if "memory" in cg:
        base = cg["memory"]
        stat = _kv(base + "/memory.stat")
        usage = _int(base + "/memory.usage_in_bytes") - stat.get("total_inactive_file", 0)
        limit = _int(base + "/memory.limit_in_bytes")
    else:
        base = cg.get("", "")
        usage = _int(base + "/memory.current") - _kv(base + "/memory.stat").get("inactive_file", 0)
        limit = _int(base + "/memory.max")
    return max(usage, 0), min(limit, host_total) if limit > 0 else host_total


def _block_io(cg: dict[str, str]) -> tuple[int, int]:
    read = write = 0
    if "blkio" in cg:
        for line in _read(cg["blkio"] + "/blkio.throttle.io_service_bytes").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("Read", "Write"):
                if parts[1] == "Read":
                    read += int(parts[2])
                else:
                    write += int(parts[2])
        return read, write
    for line in _read(cg.get("", "") + "/io.stat").splitlines():
        for item in line.split()[1:]:
            key, _, val = item.partition("=")
            read += int(val) if key == "rbytes" else 0
            write += int(val) if key == "wbytes" else 0
    return read, write


def _net_io(pid: int) -> tuple[int, int]:
    rx = tx = 0
    for line in _read(f"/proc/{pid}/net/dev").splitlines()[2:]:
        iface, _, data = line.partition(":")
        fields = data.split()
        if iface.strip() != "lo" and len(fields) >= 9:
            rx, tx = rx + int(fields[0]), tx + int(fields[8])
    return rx, tx


def container_stats(engine: Engine, name: str, *, interval: float = 0.5) -> Stats:
    """One ``docker stats --no-stream`` sample: CPU % over ``interval`` seconds, the rest now."""
    from pallet.engine.container_state import read_state

    rec = running_container(engine, name)
    pid = read_state(engine, rec).pid
    try:
        cg = _cgroups(pid)
    except FileNotFoundError:
        raise RuntimeFailure(f"container {rec.id} is not running") from None
    cpu0, sys0 = _cpu_usage_ns(cg), _system_ns()
    time.sleep(interval)
    cpu1, sys1 = _cpu_usage_ns(cg), _system_ns()
    ncpu = os.cpu_count() or 1
    cpu = (cpu1 - cpu0) / (sys1 - sys0) * ncpu * 100.0 if sys1 > sys0 and cpu1 > cpu0 else 0.0
    usage, limit = _memory(cg)
    net = (0, 0) if (rec.options.network or "host") in ("host", "none") else _net_io(pid)
    blk = _block_io(cg)
    pids = _int(cg.get("pids", cg.get("", "")) + "/pids.current")
    return Stats(rec.id, rec.name, cpu, usage, limit, net[0], net[1], blk[0], blk[1], pids)


@dataclass(frozen=True, slots=True)
class PortMapping:
    """One published port: ``80/tcp -> 0.0.0.0:8080``."""

    container_port: int
    protocol: str
    host_ip: str
    host_port: int

    def __str__(self) -> str:
        return f"{self.container_port}/{self.protocol} -> {self.host_address}"

    @property
    def host_address(self) -> str:
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{ip}:{self.host_port}"


def _range(text: str, spec: str) -> list[int]:
    lo, _, hi = text.partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise InvalidArgument(f"invalid port specification: {spec!r}") from None
    if not 0 < first <= last <= 65535:
        raise InvalidArgument(f"invalid port specification: {spec!r}")
    return list(range(first, last + 1))


def parse_publish(spec: str) -> list[PortMapping]:
    """``[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`` → mappings (a missing host port is the
    container's: on the host network nothing is translated)."""
    body, _, proto = spec.partition("/")
    proto = proto or "tcp"
    if body.startswith("["):  # [::1]:8080:80
        close = body.index("]")
        ip, rest = body[1:close], body[close + 2 :]
        parts = [ip, *rest.split(":")]
    else:
        parts = body.split(":")
    if len(parts) == 1:
        ip, host, ctr = "0.0.0.0", "", parts[0]
    elif len(parts) == 2:
        ip, host, ctr = "0.0.0.0", parts[0], parts[1]
    elif len(parts) == 3:
        ip, host, ctr = parts[0] or "0.0.0.0", parts[1], parts[2]
    else:
        raise InvalidArgument(f"invalid port specification: {spec!r}")
    ctr_ports = _range(ctr, spec)
    host_ports = _range(host, spec) if host else ctr_ports
    if len(host_ports) == 1 and len(ctr_ports) > 1:
        host_ports = [host_ports[0] + i for i in range(len(ctr_ports))]
    if len(host_ports) != len(ctr_ports):
        raise InvalidArgument(f"invalid port specification: {spec!r}: ranges differ in size")
    return [PortMapping(c, proto, ip, h) for c, h in zip(ctr_ports, host_ports, strict=True)]


def container_ports(engine: Engine, name: str, port: str = "") -> list[PortMapping]:
    """``docker port``: the container's mappings, or those of ``PORT[/PROTO]``."""
    rec = resolve_container(engine, name)
    found = [m for spec in rec.options.publish for m in parse_publish(spec)]
    found.sort(key=lambda m: (m.container_port, m.protocol))
    if not port:
        return found
    num, _, proto = port.partition("/")
    if not num.isdigit():
        raise InvalidArgument(f"invalid port {port!r}")
    hits = [m for m in found if m.container_port == int(num) and m.protocol == (proto or "tcp")]
    if not hits:
        raise InvalidArgument(f"No public port '{num}/{proto or 'tcp'}' published for {rec.name}")
    return hits
