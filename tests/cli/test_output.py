"""Terminal behaviour: colours on a TTY unless NO_COLOR / --no-color; prompts refused without a TTY."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BLOCKLET


def run_in_pty(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run with stdin/stdout/stderr on a pseudo-terminal; return exit code and everything printed."""
    primary, secondary = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    full_env.update({"TERM": "xterm-256color", "COLUMNS": "100", **env})
    process = subprocess.Popen([str(BLOCKLET), *args], stdin=secondary, stdout=secondary, stderr=secondary,
                               env=full_env, cwd=cwd, close_fds=True)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    return process.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(("env", "flag", "coloured"), [
    ({}, [], True),
    ({"NO_COLOR": "1"}, [], False),
    ({}, ["--no-color"], False),
])
def test_error_colour_follows_no_color(tmp_path, env, flag, coloured):
    code, text = run_in_pty([*flag, "did", "--no-such-flag"], env, tmp_path)
    assert code == 2
    assert "No such option" in text
    assert ("\x1b[" in text) is coloured


def test_errors_go_to_stderr_and_results_to_stdout(run_blocklet):
    done = run_blocklet("--json", "did", "--bad")
    assert "No such option" in done.stderr
    assert done.stdout.startswith("{")
