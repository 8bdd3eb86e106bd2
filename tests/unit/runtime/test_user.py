from __future__ import annotations

from pathlib import Path

import pytest

from pallet.errors import InvalidArgument
from pallet.runtime.user import ResolvedUser, resolve_user


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n"
        "app:x:1000:1001::/home/app:/bin/sh\n"
    )
    (etc / "group").write_text("root:x:0:\nwww:x:33:\nstaff:x:50:app,www\napp:x:1001:\n")
    return tmp_path


def test_names_and_ids(rootfs: Path) -> None:
    assert resolve_user(str(rootfs), "") == ResolvedUser(0, 0, (), "/root")
    assert resolve_user(str(rootfs), "www") == ResolvedUser(33, 33, (50,), "/var/www")
    assert resolve_user(str(rootfs), "1000") == ResolvedUser(1000, 1001, (50,), "/home/app")
    assert resolve_user(str(rootfs), "app:www") == ResolvedUser(1000, 33, (), "/home/app")
    assert resolve_user(str(rootfs), "4242:4343") == ResolvedUser(4242, 4343, (), "/")


def test_missing_names(rootfs: Path) -> None:
    with pytest.raises(InvalidArgument, match="unable to find user nobody: no matching entries"):
        resolve_user(str(rootfs), "nobody")
    with pytest.raises(InvalidArgument, match="unable to find group nogroup"):
        resolve_user(str(rootfs), "app:nogroup")


def test_rootfs_without_passwd(tmp_path: Path) -> None:
    assert resolve_user(str(tmp_path), "123:456") == ResolvedUser(123, 456, (), "/")
    assert resolve_user(str(tmp_path), "123").gid == 0
    with pytest.raises(
        InvalidArgument, match="unable to find user app: no matching entries in passwd file"
    ):
        resolve_user(str(tmp_path), "app")


def test_symlinked_passwd_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(InvalidArgument):
        resolve_user(str(tmp_path), "root")
