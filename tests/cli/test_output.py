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


def test_sanitize_makes_every_control_character_visible():
    from blocklet_cli.cli.output import sanitize

    assert sanitize("ok\ttext\nnext") == "ok\ttext\nnext"
    assert sanitize("a\x1b]0;pwned\x07\x1b[2J\x9b1m\rb") == "a\\e]0;pwned\\x07\\e[2J\\x9b1m\\rb"
    assert sanitize("name\u202etxt.exe \udcff") == "name\\u202etxt.exe \\xff"


def test_json_text_is_valid_utf8_with_controls_escaped():
    import json

    from blocklet_cli.cli.output import json_text

    text = json_text({"name": "\x1b[2J\x9b\u202e\udcff"})
    assert text.encode("utf-8").decode("utf-8") == text
    assert not any(0x7F <= ord(char) < 0xA0 or char == "\x1b" for char in text)
    assert json.loads(text) == {"name": "\x1b[2J\x9b\u202e\udcff"}


def test_hostile_file_names_never_reach_the_terminal_raw(tmp_path):
    """A path from argv with escape sequences and bytes that are not UTF-8, in a message and in --json."""
    name = os.fsencode("\x1b]0;pwned\x07\x1b[2J") + b"\xff"
    env = {**os.environ, "CI": "1", "NO_COLOR": "1"}
    done = subprocess.run([os.fsencode(str(BLOCKLET)), b"validate", name, b"--json"], cwd=tmp_path, env=env,
                          capture_output=True, timeout=60)
    assert done.returncode != 0
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8")  # valid UTF-8
        assert not any((ord(char) < 32 and char not in "\n\t") or 0x7F <= ord(char) < 0xA0 for char in text), text
    assert "\\e]0;pwned" in done.stderr.decode()


# -- the UI as the core's Reporter, on the streams of its Env --------------------------------------
def _ui(**flags: bool):
    import io

    from blocklet_cli.cli.context import Env
    from blocklet_cli.cli.output import UI

    env = Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), environ={}, **flags)
    return UI(env), env


def test_a_task_off_a_terminal_is_a_start_and_a_done_line_on_stderr() -> None:
    ui, env = _ui(json=True)
    with ui.task("Bundling", total=10, unit="bytes") as task:
        task.advance(4, description="copy 1/2 files")
        task.advance(6)
    lines = env.stderr.getvalue().splitlines()
    assert lines[0] == "- Bundling" and lines[1].startswith("✔ Bundling done in ") and len(lines) == 2
    assert env.stdout.getvalue() == ""  # --json: stdout holds only the document


def test_a_failed_task_has_no_done_line() -> None:
    ui, env = _ui()
    with pytest.raises(KeyboardInterrupt), ui.task("Uploading x.tgz", unit="bytes"):
        raise KeyboardInterrupt
    assert env.stderr.getvalue() == "- Uploading x.tgz\n"


def test_detail_lines_only_with_verbose_and_prompts_refused_without_a_terminal() -> None:
    from blocklet_cli.core.errors import InputRequiredError

    quiet, quiet_env = _ui()
    quiet.detail("wrote blocklet.yml")
    loud, loud_env = _ui(verbose=True)
    loud.detail("wrote blocklet.yml")
    assert quiet_env.stderr.getvalue() == "" and loud_env.stderr.getvalue() == "· wrote blocklet.yml\n"
    with pytest.raises(InputRequiredError, match="pass --title"):
        quiet.prompt("Title", flag="--title")
