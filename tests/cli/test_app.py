"""The application shell through the real console script: help, version, usage errors, --json errors."""

from __future__ import annotations

import json
import subprocess
import sys

from blocklet_cli import __version__

COMMANDS = ["init", "meta", "validate", "did", "version", "dev", "bundle", "add", "remove", "publish",
            "upload", "deploy", "config", "connect"]


def test_help_lists_every_command(run_blocklet):
    done = run_blocklet("--help")
    assert done.returncode == 0
    for command in COMMANDS:
        assert f"  {command} " in done.stdout


def test_version_flag(run_blocklet):
    done = run_blocklet("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"blocklet {__version__}"


def test_python_dash_m_works():
    done = subprocess.run([sys.executable, "-m", "blocklet_cli", "did", "my-blocklet"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    assert done.stdout == "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB\n"


def test_usage_error_is_one_clear_line_and_exit_2(run_blocklet):
    done = run_blocklet("did", "--no-such-option", "x")
    assert done.returncode == 2
    assert "No such option" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_usage_error_with_json_prints_an_error_document(run_blocklet):
    done = run_blocklet("--json", "did")
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["exitCode"] == 2
    assert document["error"]["type"] == "UsageError"


def test_unknown_command(run_blocklet):
    done = run_blocklet("frobnicate")
    assert done.returncode == 2
    assert "frobnicate" in done.stderr
    assert "Traceback" not in done.stderr
