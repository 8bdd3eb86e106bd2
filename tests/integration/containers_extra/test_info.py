"""``top``, ``stats``, ``port`` and ``rename``."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.runc


def test_top_shows_the_process(pallet: Any, ctr: str) -> None:
    r = pallet("top", ctr, check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert any(line.endswith("sleep 1000") for line in lines[1:])


def test_stats_no_stream(pallet: Any, ctr: str) -> None:
    r = pallet("stats", "--no-stream", ctr, check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["CONTAINER", "ID", "NAME"]
    assert len(lines) == 2 and " box " in lines[1]
    r = pallet("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", ctr, check=True)
    assert r.stdout == "box 1\n"


def test_port(pallet: Any, busybox_image: str, cleanup: None) -> None:
    pallet("create", "--name", "web", "-p", "8080:80", "-p", "127.0.0.1:53:53/udp",
           busybox_image, check=True)  # fmt: skip
    r = pallet("port", "web", check=True)
    assert r.stdout == "53/udp -> 127.0.0.1:53\n80/tcp -> 0.0.0.0:8080\n"
    assert pallet("port", "web", "80", check=True).stdout == "0.0.0.0:8080\n"
    r = pallet("port", "web", "81")
    assert r.returncode != 0 and "No public port '81/tcp' published for web" in r.stderr


def test_rename(pallet: Any, ctr: str) -> None:
    pallet("rename", ctr, "renamed", check=True)
    assert pallet("exec", "renamed", "true").returncode == 0
    assert pallet("exec", ctr, "true").returncode == 125
