"""A Dockerfile corpus in real builds on busybox: every instruction, checked by running or
inspecting the image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PalletCLI

pytestmark = pytest.mark.runc


def _inspect(pallet: PalletCLI, name: str) -> dict[str, Any]:
    out = pallet("image", "inspect", name, check=True).stdout
    data = json.loads(out)
    return data[0] if isinstance(data, list) else data


def _run(pallet: PalletCLI, name: str, *cmd: str) -> str:
    return pallet("run", "--rm", name, *cmd, check=True).stdout


def test_output_like_podman(build: Any, ctx: Path) -> None:
    (ctx / "f.txt").write_text("hello\n")
    out = build("FROM busybox\nCOPY f.txt /f.txt\nRUN cat /f.txt > /x\nCMD [\"cat\", \"/x\"]\n",
                "-t", "t1").stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == "STEP 1/4: FROM busybox"
    assert lines[1] == "STEP 2/4: COPY f.txt /f.txt"
    assert lines[2].startswith("--> ") and len(lines[2]) == 15
    assert "hello" not in lines  # cat writes to /x, not stdout
    assert lines[-4] == "COMMIT localhost/t1:latest"
    assert lines[-2] == "Successfully tagged localhost/t1:latest"
    assert len(lines[-1]) == 64 and lines[-3] == f"--> {lines[-1][:11]}"


def test_metadata_instructions(build: Any, pallet: PalletCLI) -> None:
    build(
        "FROM busybox\n"
        "LABEL a=1 b=\"two words\"\n"
        "ENV X=1 Y=\"$X-2\"\n"
        "EXPOSE 80 53/udp\n"
        "VOLUME /data\n"
        "USER nobody\n"
        "WORKDIR /w\nWORKDIR sub\n"
        "STOPSIGNAL SIGINT\n"
        "HEALTHCHECK --interval=5s --retries=2 CMD true\n"
        "SHELL [\"/bin/sh\", \"-ec\"]\n"
        "ENTRYPOINT [\"/bin/echo\"]\n"
        "CMD run me\n"
        "ONBUILD RUN echo triggered > /onbuild\n",
        "-t", "meta",
    )  # fmt: skip
    cfg = _inspect(pallet, "meta")["Config"]
    assert cfg["Labels"] == {"a": "1", "b": "two words"}
    assert "X=1" in cfg["Env"] and "Y=-2" in cfg["Env"]  # one ENV sees values from before it
    assert set(cfg["ExposedPorts"]) == {"80/tcp", "53/udp"}
    assert list(cfg["Volumes"]) == ["/data"]
    assert cfg["User"] == "nobody" and cfg["WorkingDir"] == "/w/sub"
    assert cfg["StopSignal"] == "SIGINT"
    assert cfg["Healthcheck"]["Test"] == ["CMD-SHELL", "true"]
    assert cfg["Entrypoint"] == ["/bin/echo"]
    assert cfg["Cmd"] == ["/bin/sh", "-ec", "run me"]
    assert cfg["OnBuild"] == ["RUN echo triggered > /onbuild"]


def test_onbuild_triggers_run_in_child(build: Any, pallet: PalletCLI) -> None:
    build("FROM busybox\nONBUILD RUN echo triggered > /onbuild\n", "-t", "parent")
    build("FROM parent\nRUN cat /onbuild\n", "-t", "child")
    assert _run(pallet, "child", "cat", "/onbuild") == "triggered\n"
    assert "OnBuild" not in _inspect(pallet, "child")["Config"]


def test_run_forms_heredoc_and_args(build: Any, pallet: PalletCLI) -> None:
    out = build(
        "ARG WHO=world\n"
        "FROM busybox\n"
        "ARG WHO\nARG N=3\n"
        "RUN echo \"shell $WHO $N\" > /shell\n"
        "RUN [\"/bin/sh\", \"-c\", \"echo exec > /exec\"]\n"
        "RUN <<EOF\necho one > /heredoc\necho two >> /heredoc\nEOF\n"
        "RUN cat <<X > /cat\nfrom $WHO\nX\n"
        "CMD cat /shell /exec /heredoc /cat\n",
        "--build-arg", "WHO=pallet", "-t", "runs",
    )  # fmt: skip
    assert "STEP 4/8: RUN echo" in out.stdout  # type: ignore[attr-defined]
    assert _run(pallet, "runs") == "shell pallet 3\nexec\none\ntwo\nfrom pallet\n"


def test_copy_and_add_flags(build: Any, pallet: PalletCLI, ctx: Path) -> None:
    import tarfile

    (ctx / "dir" / "sub").mkdir(parents=True)
    (ctx / "dir" / "a.txt").write_text("a\n")
    (ctx / "dir" / "sub" / "b.txt").write_text("b\n")
    (ctx / "one.conf").write_text("1\n")
    (ctx / "two.conf").write_text("2\n")
    src = ctx / "payload"
    src.mkdir()
    (src / "inside.txt").write_text("from tar\n")
    with tarfile.open(ctx / "bundle.tar.gz", "w:gz") as tf:
        tf.add(src / "inside.txt", arcname="inside.txt")
    build(
        "FROM busybox\n"
        "COPY dir /d/\n"
        "COPY *.conf /confs/\n"
        "COPY --chown=nobody:nogroup --chmod=0640 one.conf /owned\n"
        "ADD bundle.tar.gz /unpacked/\n"
        "COPY <<EOF /here.txt\nheredoc $HOME\nEOF\n"
        "WORKDIR /rel\nCOPY one.conf ./\n",
        "-t", "copies",
    )  # fmt: skip
    script = ("cat /d/a.txt /d/sub/b.txt /confs/one.conf /confs/two.conf /unpacked/inside.txt "
              "/rel/one.conf; stat -c '%U:%G %a' /owned; cat /here.txt")  # fmt: skip
    out = _run(pallet, "copies", "sh", "-c", script)
    assert out == "a\nb\n1\n2\nfrom tar\n1\nnobody:nogroup 640\nheredoc \n"


def test_multi_stage_copy_from_and_target(build: Any, pallet: PalletCLI) -> None:
    text = (
        "FROM busybox AS first\nRUN echo built > /artifact\n"
        "FROM busybox AS unused\nRUN exit 1\n"
        "FROM busybox\nCOPY --from=first /artifact /got\n"
    )
    build(text, "-t", "multi")
    assert _run(pallet, "multi", "cat", "/got") == "built\n"
    out = build(text, "--target", "first", "-t", "first").stdout  # type: ignore[attr-defined]
    assert "COPY --from" not in out
    assert _run(pallet, "first", "cat", "/artifact") == "built\n"


def test_from_scratch_and_labels_and_iidfile(build: Any, pallet: PalletCLI, ctx: Path,
                                             tmp_path: Path) -> None:  # fmt: skip
    (ctx / "f").write_text("x")
    iid = tmp_path / "iid"
    build("FROM scratch\nCOPY f /f\n", "--label", "k=v", "--iidfile", str(iid), "-t", "scr")
    info = _inspect(pallet, "scr")
    assert info["Labels"] == {"k": "v"}
    assert len(info["RootFS"]["Layers"]) == 1
    assert iid.read_text() == "sha256:" + info["Id"]


def test_secret_tmpfs_and_bind_mounts(build: Any, pallet: PalletCLI, ctx: Path,
                                      tmp_path: Path) -> None:  # fmt: skip
    secret = tmp_path / "token"
    secret.write_text("s3cret")
    (ctx / "data.txt").write_text("bound\n")
    build(
        "FROM busybox\n"
        "RUN --mount=type=secret,id=tok cat /run/secrets/tok > /seen\n"
        "RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs\n"
        "RUN --mount=type=bind,source=data.txt,target=/in cat /in > /bound\n",
        "--secret", f"id=tok,src={secret}", "-t", "mounts",
    )  # fmt: skip
    out = _run(
        pallet,
        "mounts",
        "sh",
        "-c",
        "cat /seen /tmpfs /bound; "
        "for p in /run /scratch /in; do test -e $p && echo left $p; done; true",
    )
    assert out == "s3cret" + "x\nbound\n"  # no mount point is left in a layer


def test_dockerfile_from_stdin_and_f(pallet: PalletCLI, busybox_image: str, ctx: Path) -> None:
    out = pallet("build", "-t", "stdin", "-", input=b"FROM busybox\nRUN echo ok > /ok\n",
                 check=True)  # fmt: skip
    assert out.stdout.splitlines()[-1]
    (ctx / "Other.df").write_text("FROM busybox\nENV WHICH=other\n")
    pallet("build", "-f", str(ctx / "Other.df"), "-t", "other", str(ctx), check=True)
    assert "WHICH=other" in _inspect(pallet, "other")["Config"]["Env"]


def test_context_tarball(pallet: PalletCLI, busybox_image: str, tmp_path: Path) -> None:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in (("Dockerfile", b"FROM busybox\nCOPY f /f\n"), ("f", b"in tar\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    (tmp_path / "ctx.tar").write_bytes(buf.getvalue())
    pallet("build", "-t", "fromtar", str(tmp_path / "ctx.tar"), check=True)
    assert _run(pallet, "fromtar", "cat", "/f") == "in tar\n"
