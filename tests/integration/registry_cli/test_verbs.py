"""The registry verbs end to end against real docker-registry servers (plain, TLS+htpasswd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from regcli import PASSWORD, USER, Runner

from pallet.testing.registry import LocalRegistry

pytestmark = pytest.mark.registry
NOVERIFY = "--tls-verify=false"


def _image_id(cli: Runner, name: str) -> str:
    out = cli("image", "inspect", "--format", "{{.Id}}", name, check=True)
    return out.stdout.strip()


def test_push_then_pull_into_empty_store(cli: Runner, other_cli: Runner, pushed: str) -> None:
    out = other_cli("pull", NOVERIFY, pushed, check=True)
    image_id = out.stdout.strip().splitlines()[-1]
    assert image_id == _image_id(cli, pushed)
    info = json.loads(other_cli("image", "inspect", pushed, check=True).stdout)[0]
    assert Path(info["GraphDriver"]["Data"]["UpperDir"], "bin", "busybox").exists()
    assert "no problems found" in other_cli("system", "check", check=True).stdout
    again = other_cli("pull", "-q", NOVERIFY, pushed, check=True)  # everything present
    assert again.stdout.strip() == image_id and again.stderr == ""


def test_pull_quiet_prints_only_the_id_and_piped_prints_one_summary(
    other_cli: Runner, pushed: str
) -> None:
    quiet = other_cli("pull", "-q", NOVERIFY, pushed, check=True)
    assert len(quiet.stdout.split()) == 1 and quiet.stderr == ""
    other_cli("rmi", pushed, check=True)
    loud = other_cli("pull", NOVERIFY, pushed, check=True)
    assert loud.stdout.strip() == quiet.stdout.strip()
    assert len(loud.stderr.strip().splitlines()) == 1 and "blobs" in loud.stderr


def test_pull_all_tags(cli: Runner, other_cli: Runner, pushed: str) -> None:
    repo = pushed.rsplit(":", 1)[0]
    cli("tag", pushed, f"{repo}:v2", check=True)
    cli("push", "-q", NOVERIFY, f"{repo}:v2", check=True)
    out = other_cli("pull", "-q", "--all-tags", NOVERIFY, repo, check=True)
    assert len(out.stdout.split()) == 2
    names = other_cli("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout
    assert f"{repo}:v1" in names and f"{repo}:v2" in names


def test_push_compresses_uncompressed_layers(cli: Runner, pushed: str, tmp_path: Path) -> None:
    digestfile = tmp_path / "digest"
    cli(
        "push",
        "-q",
        NOVERIFY,
        "--compression-format",
        "zstd",
        "--digestfile",
        str(digestfile),
        pushed,
        check=True,
    )
    raw = cli("inspect", NOVERIFY, "--raw", f"docker://{pushed}", check=True).stdout
    manifest = json.loads(raw)
    assert manifest["layers"][0]["mediaType"].endswith("+zstd")
    assert digestfile.read_text().startswith("sha256:")


def test_login_logout_and_auth_errors(
    cli: Runner, tls_registry: LocalRegistry, busybox_tar: Path
) -> None:
    host = tls_registry.host
    bad = cli("login", "-u", USER, "-p", "wrong", host)
    assert bad.returncode == 125
    assert bad.stderr.strip().splitlines() == [
        f'Error: logging into "{host}": invalid username/password'
    ]
    ok = cli("login", "-u", USER, "--password-stdin", host, input=PASSWORD.encode() + b"\n")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "Login Succeeded!"
    assert cli("login", "--get-login", host, check=True).stdout.strip() == USER
    name = f"{host}/secure/bb:1"
    cli("import", str(busybox_tar), name, check=True)
    cli("push", "-q", name, check=True)
    assert cli("list-tags", f"docker://{host}/secure/bb", check=True).stdout.count('"1"') == 1
    out = cli("logout", host, check=True)
    assert out.stdout.strip() == f"Removed login credentials for {host}"
    again = cli("logout", host)
    assert again.returncode == 125 and f"not logged into {host}" in again.stderr
    denied = cli("pull", name)
    assert denied.returncode == 125 and "unauthorized" in denied.stderr.lower()
    creds = cli("pull", "-q", "--creds", f"{USER}:{PASSWORD}", name)
    assert creds.returncode == 0, creds.stderr


def test_remote_inspect_fields_raw_and_config(cli: Runner, pushed: str) -> None:
    out = json.loads(cli("inspect", NOVERIFY, f"docker://{pushed}", check=True).stdout)
    for key in (
        "Name",
        "Digest",
        "RepoTags",
        "Created",
        "DockerVersion",
        "Labels",
        "Architecture",
        "Os",
        "Layers",
        "LayersData",
        "Env",
    ):
        assert key in out
    assert out["RepoTags"] == ["v1"] and out["Name"] == pushed.rsplit(":", 1)[0]
    raw = cli("inspect", NOVERIFY, "--raw", f"docker://{pushed}", check=True).stdout
    import hashlib

    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == out["Digest"]
    cfg = json.loads(cli("inspect", NOVERIFY, "--config", f"docker://{pushed}", check=True).stdout)
    assert cfg["config"]["Cmd"] == ["sh"]
    assert cli("images", "-q").stdout.count("\n") == 1  # nothing was pulled


def test_copy_across_transports_keeps_digests(cli: Runner, pushed: str, tmp_path: Path) -> None:
    host_repo = pushed.rsplit("/", 2)[0]
    digest = json.loads(cli("inspect", NOVERIFY, f"docker://{pushed}", check=True).stdout)["Digest"]
    steps = [
        (f"docker://{pushed}", f"oci:{tmp_path}/layout:v1"),
        (f"oci:{tmp_path}/layout:v1", f"dir:{tmp_path}/dir"),
        (f"dir:{tmp_path}/dir", f"oci-archive:{tmp_path}/a.tar:v1"),
        (f"oci-archive:{tmp_path}/a.tar", f"docker://{host_repo}/copied/bb:v1"),
    ]
    for src, dst in steps:
        df = tmp_path / "df"
        cli("copy", "-q", NOVERIFY, "--digestfile", str(df), src, dst, check=True)
        assert df.read_text() == digest, (src, dst)
    cli(
        "copy",
        "-q",
        f"oci:{tmp_path}/layout:v1",
        f"docker-archive:{tmp_path}/d.tar:x/y:1",
        check=True,
    )
    cli("copy", "-q", f"docker-archive:{tmp_path}/d.tar", "containers-storage:fromda", check=True)
    cli("copy", "-q", NOVERIFY, f"docker://{host_repo}/copied/bb:v1", "copied", check=True)
    names = cli("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout
    assert "localhost/fromda:latest" in names and "localhost/copied:latest" in names
    assert "no problems found" in cli("system", "check", check=True).stdout
    cli(
        "copy",
        "-q",
        NOVERIFY,
        "--dest-compress-format",
        "zstd",
        "copied",
        f"docker://{host_repo}/copied/bb:zstd",
        check=True,
    )
    raw = json.loads(
        cli("inspect", NOVERIFY, "--raw", f"docker://{host_repo}/copied/bb:zstd").stdout
    )
    assert all(la["mediaType"].endswith("+zstd") for la in raw["layers"])


def test_manifest_list_create_add_annotate_push_all(
    cli: Runner, other_cli: Runner, pushed: str, busybox_tar: Path
) -> None:
    host = pushed.split("/", 1)[0]
    cli("import", "--platform", "linux/arm64", str(busybox_tar), "armbb", check=True)
    cli("manifest", "create", "mylist", check=True)
    cli("manifest", "add", NOVERIFY, "mylist", f"docker://{pushed}", check=True)
    cli("manifest", "add", "mylist", "armbb", "--variant", "v8", check=True)
    index = json.loads(cli("manifest", "inspect", "mylist", check=True).stdout)
    assert [m["platform"]["architecture"] for m in index["manifests"]] == ["amd64", "arm64"]
    arm = index["manifests"][1]["digest"]
    cli("manifest", "annotate", "mylist", arm, "--annotation", "k=v", check=True)
    out = cli(
        "manifest", "push", "--all", NOVERIFY, "mylist", f"docker://{host}/lists/bb:1", check=True
    )
    pushed_digest = out.stdout.strip().splitlines()[-1]
    remote = json.loads(
        cli("manifest", "inspect", NOVERIFY, f"docker://{host}/lists/bb:1", check=True).stdout
    )
    assert remote["manifests"][1]["annotations"] == {"k": "v"}
    assert remote["manifests"][1]["platform"]["variant"] == "v8"
    got = other_cli(
        "pull",
        "-q",
        NOVERIFY,
        "--arch",
        "arm64",
        "--variant",
        "v8",
        f"{host}/lists/bb:1",
        check=True,
    )
    assert got.stdout.strip() == _image_id(cli, "armbb")
    assert pushed_digest.startswith("sha256:")
    cli("manifest", "rm", "mylist", check=True)
    assert cli("manifest", "inspect", "mylist").returncode == 125
    cli("system", "prune", "-f")
    assert "no problems found" in cli("system", "check", check=True).stdout


def test_copy_all_keeps_an_index_and_its_images(
    cli: Runner, pushed: str, busybox_tar: Path, tmp_path: Path
) -> None:
    host = pushed.split("/", 1)[0]
    cli("import", "--platform", "linux/arm64", str(busybox_tar), "armbb2", check=True)
    cli(
        "manifest",
        "create",
        "idx",
        f"docker://{pushed}",
        "armbb2",
        "--tls-verify=false",
        check=True,
    )
    src = f"docker://{host}/lists/all:1"
    digest = cli("manifest", "push", "-q", NOVERIFY, "idx", src, check=True).stdout.split()[-1]
    df = tmp_path / "df"
    cli(
        "copy",
        "-q",
        "--all",
        NOVERIFY,
        "--digestfile",
        str(df),
        src,
        f"oci:{tmp_path}/o:all",
        check=True,
    )
    assert df.read_text() == digest
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    cli(
        "copy",
        "-q",
        "--all",
        NOVERIFY,
        f"oci:{tmp_path}/o:all",
        f"docker://{host}/lists/back:1",
        "--digestfile",
        str(df),
        check=True,
    )
    assert df.read_text() == digest
    one = cli(
        "copy",
        "-q",
        NOVERIFY,
        "--platform",
        "linux/arm64",
        src,
        f"dir:{tmp_path}/d",
        "--digestfile",
        str(df),
        check=True,
    )
    assert one.returncode == 0 and df.read_text() != digest


def test_login_with_authfile_is_used_by_pull(
    cli: Runner, tls_registry: LocalRegistry, busybox_tar: Path, tmp_path: Path
) -> None:
    host, authfile = tls_registry.host, str(tmp_path / "mine.json")
    cli("login", "--authfile", authfile, "-u", USER, "-p", PASSWORD, host, check=True)
    assert host in json.loads(Path(authfile).read_text())["auths"]
    assert not (tmp_path / "auth.json").exists()  # REGISTRY_AUTH_FILE untouched
    name = f"{host}/authfile/bb:1"
    cli("import", str(busybox_tar), name, check=True)
    cli("push", "-q", "--authfile", authfile, name, check=True)
    cli("rmi", name, check=True)
    assert cli("pull", "-q", name).returncode == 125
    cli("pull", "-q", "--authfile", authfile, name, check=True)
    cli("logout", "--authfile", authfile, host, check=True)
    assert host not in json.loads(Path(authfile).read_text()).get("auths", {})
