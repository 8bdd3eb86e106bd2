"""``containers.json`` raw transactions and ``retire``; the store's lean path helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pallet.engine.records_file import RawTransaction, read_records, retire
from pallet.store import locations
from pallet.store.root import StoreRoot


def test_transaction_writes_on_success_only(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert read_records(root) == {}
    with RawTransaction(root) as recs:
        recs["a"] = {"id": "a", "name": "x"}
    assert json.loads((tmp_path / "containers.json").read_text()) == {
        "version": 1,
        "containers": {"a": {"id": "a", "name": "x"}},
    }
    with pytest.raises(RuntimeError), RawTransaction(root) as recs:
        recs["b"] = {"id": "b"}
        raise RuntimeError("no")
    assert set(read_records(root)) == {"a"}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_transactions_of_many_processes_lose_nothing(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pallet.engine.records_file import RawTransaction\n"
        "for i in range(20):\n"
        "    with RawTransaction(sys.argv[1]) as r:\n"
        "        r[f'{sys.argv[2]}-{i}'] = {'n': i}\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(k)]) for k in range(4)
    ]
    assert [p.wait() for p in procs] == [0, 0, 0, 0]
    assert len(read_records(str(tmp_path))) == 80


def test_retire_drops_the_record_and_moves_the_directory(tmp_path: Path) -> None:
    root = str(tmp_path)
    with RawTransaction(root) as recs:
        recs["c1"] = {"id": "c1"}
        recs["c2"] = {"id": "c2"}
    (tmp_path / "containers" / "c1" / "upper").mkdir(parents=True)
    trash = retire(root, "c1")
    assert set(read_records(root)) == {"c2"}
    assert not (tmp_path / "containers" / "c1").exists()
    assert os.path.isdir(os.path.join(trash, "upper"))
    assert os.path.dirname(trash) == os.path.join(root, "tmp")
    assert os.path.basename(trash).startswith(f"container-{os.getpid()}-")
    assert retire(root, "c2") == ""  # no directory: the record still goes
    assert read_records(root) == {}


def _cwd(p: str) -> str:
    return os.path.join(os.getcwd(), p)


@pytest.mark.parametrize(
    ("root", "run", "env", "want"),
    [
        ("/x/store", None, {}, ("/x/store", "/x/store/run")),
        ("/x/store/", "/y/run", {}, ("/x/store", "/y/run")),
        ("rel/store", None, {}, (_cwd("rel/store"), _cwd("rel/store/run"))),
        (None, None, {"PALLET_ROOT": "/e/root"}, ("/e/root", "/e/root/run")),
        (None, None, {"PALLET_ROOT": "/e/root", "PALLET_RUNROOT": "/e/run"}, ("/e/root", "/e/run")),
        ("/var/lib/pallet", None, {}, ("/var/lib/pallet", "/run/pallet")),
    ],
)
def test_store_dirs_match_store_root(
    monkeypatch: pytest.MonkeyPatch,
    root: str | None,
    run: str | None,
    env: dict[str, str],
    want: tuple[str, str],
) -> None:
    for k in ("PALLET_ROOT", "PALLET_RUNROOT"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    if os.geteuid() != 0 and want[1] == "/run/pallet":
        pytest.skip("the system run dir is root's")
    assert locations.store_dirs(root, run) == want
    sroot = StoreRoot.at(root, run)
    assert (str(sroot.path), str(sroot.run)) == want
