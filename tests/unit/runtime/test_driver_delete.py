"""Deleting a stopped runc container's state without exec'ing runc (``_delete_stopped_runc``)."""

from __future__ import annotations

import json
from pathlib import Path

from pallet.runtime.driver import _delete_stopped_runc

NO_HOOKS = {"createContainer": None, "createRuntime": None, "poststart": None,
            "poststop": None, "prestart": None, "startContainer": None}  # fmt: skip


def _state(tmp_path: Path, hooks: dict[str, object], cgroup: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir()
    state = {"init_process_pid": 0, "config": {"Hooks": hooks}, "cgroup_paths": {"x": str(cgroup)}}
    (d / "state.json").write_text(json.dumps(state))
    return d


def test_no_hooks_state_and_cgroups_removed(tmp_path: Path) -> None:
    cgroup = tmp_path / "cg"  # any empty directory stands in for a cgroup
    cgroup.mkdir()
    d = _state(tmp_path, NO_HOOKS, cgroup)
    assert _delete_stopped_runc(str(d)) is True
    assert not d.exists() and not cgroup.exists()


def test_hooks_leave_the_work_to_runc(tmp_path: Path) -> None:
    cgroup = tmp_path / "cg"
    cgroup.mkdir()
    d = _state(tmp_path, dict(NO_HOOKS, poststop=[{"path": "/bin/true"}]), cgroup)
    assert _delete_stopped_runc(str(d)) is False
    assert (d / "state.json").exists() and cgroup.exists()
