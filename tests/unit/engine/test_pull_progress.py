"""Unit tests for the CLI's progress drawing (used by pull, push and copy)."""

from __future__ import annotations

import io

from pallet.cli.progress import BarProgress


def _run(mode: str) -> str:
    out = io.StringIO()
    p = BarProgress(out, mode)
    p.line("Getting image source signatures")
    p.started("sha256:" + "a" * 64, 1000)
    p.advanced("sha256:" + "a" * 64, 500)
    p.finished("sha256:" + "a" * 64, "done")
    p.started("sha256:" + "b" * 64, 10)
    p.finished("sha256:" + "b" * 64, "exists")
    p.close()
    return out.getvalue()


def test_tty_draws_bars_per_layer_and_total() -> None:
    text = _run("tty")
    assert "Getting image source signatures" in text
    assert "Copying blob aaaaaaaaaaaa [" in text and "done" in text
    assert "Copying blob bbbbbbbbbbbb skipped: already exists" in text
    assert "Total" in text and "\x1b[1A" in text


def test_piped_prints_one_summary_line() -> None:
    text = _run("summary")
    assert text.count("\n") == 1
    assert text.startswith("Copied 2 blobs, 1 kB") and "1 already present" in text


def test_quiet_prints_nothing() -> None:
    assert _run("quiet") == ""


def test_registry_verbs_do_not_import_the_http_stack() -> None:
    import subprocess
    import sys

    modules = [
        "pallet.cli.pull",
        "pallet.cli.push",
        "pallet.cli.copy",
        "pallet.cli.login",
        "pallet.cli.manifest",
        "pallet.cli.remote_inspect",
        "pallet.engine.pull",
    ]
    code = f"import sys\nfor m in {modules!r}: __import__(m)\n" + (
        "print('ssl' in sys.modules or 'http.client' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
