"""The monitor's attach socket appears only once it listens."""

from __future__ import annotations

import _socket
import os
import types
from pathlib import Path

import pytest

from pallet.runtime.monitor import attachserver


def test_the_socket_appears_only_once_it_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_while_listening: list[bool] = []

    class Socket(_socket.socket):
        def listen(self, backlog: int = 16) -> None:
            seen_while_listening.append(os.path.exists("attach"))
            super().listen(backlog)

    fake = types.SimpleNamespace(
        socket=Socket, AF_UNIX=_socket.AF_UNIX, SOCK_STREAM=_socket.SOCK_STREAM
    )
    monkeypatch.setattr(attachserver, "_socket", fake)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "attach").write_text("a stale socket file")
    server = attachserver.AttachServer("attach", keep_backlog=False)
    try:
        assert seen_while_listening == [False]  # a client polling for it could not connect yet
        assert sorted(os.listdir(tmp_path)) == ["attach"]
        client = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        client.connect(str(tmp_path / "attach"))
        client.close()
    finally:
        server.close()
