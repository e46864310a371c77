"""The application shell through the real console script: help, version, usage errors, --json errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


# -- the command table, lazy loading and the run context -----------------------------------------
def test_the_table_summaries_are_the_commands_own_first_help_lines():
    from blocklet_cli.cli.app import COMMANDS, build_command

    root = build_command()
    assert list(root.commands) == list(COMMANDS) == COMMANDS_IN_HELP_ORDER
    for name, entry in COMMANDS.items():
        command = root.commands[name]
        assert command.name == name
        assert (command.help or "").strip().splitlines()[0] == entry.summary, name


COMMANDS_IN_HELP_ORDER = ["init", "meta", "validate", "check", "did", "version", "dev", "bundle", "add", "remove",
                          "publish", "upload", "deploy", "connect", "config", "migrate"]


def test_help_and_version_import_no_command_and_not_typer():
    script = ("import sys\nfrom blocklet_cli.cli.app import main\n"
              "for argv in (['--help'], ['--json', '-V']):\n"
              "    try:\n        main(argv)\n    except SystemExit as done:\n        assert done.code == 0\n"
              "loaded = [m for m in sys.modules if m.startswith(('typer', 'rich', 'blocklet_cli.cli.commands',"
              " 'blocklet_cli.core.'))]\n"
              "print('LOADED', loaded)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout


def test_a_command_imports_only_its_own_module():
    script = ("import sys\nfrom blocklet_cli.cli.app import main\n"
              "try:\n    main(['did', 'x'])\nexcept SystemExit:\n    pass\n"
              "print('LOADED', sorted(m for m in sys.modules if m.startswith('blocklet_cli.cli.commands.')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert "LOADED ['blocklet_cli.cli.commands.did']" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("argv", [
    ["did", "x"], ["validate", "--no-json-schema", "."], ["config", "list"], ["config", "get", "store"],
    ["meta"], ["version", "9.9.9", "--no-package-json"]])
def test_global_flags_before_and_after_the_command_are_the_same(cli, project_copy, tmp_path, argv):
    results = []
    for where in ("before", "after"):
        project = project_copy("static-site", tmp_path / where)
        args = ["--json", "--no-input", *argv] if where == "before" else [*argv, "--json", "--no-input"]
        done = cli(*args, cwd=project)
        results.append((done.returncode, done.stdout.replace(str(project), "PROJECT")))
    assert results[0] == results[1]
    json.loads(results[0][1])  # one JSON document either way (a result or an error)


def test_verbose_after_a_subcommand_counts(cli, tmp_path):
    assert "config file:" not in cli("config", "list", cwd=tmp_path).stderr
    assert "config file:" in cli("config", "list", "-v", cwd=tmp_path).stderr
    assert "config file:" in cli("-v", "config", "list", cwd=tmp_path).stderr


def test_unknown_command_with_json_prints_an_error_document(cli):
    done = cli("--json", "frobnicate")
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["message"] == "No such command 'frobnicate'."


def test_in_process_runs_leave_no_state_behind(cli, tmp_path):
    import os

    cwd, environ = os.getcwd(), dict(os.environ)
    assert cli("--json", "did", "x", cwd=tmp_path, env={"BLOCKLET_PROFILE": "p"}).returncode == 0
    assert (os.getcwd(), dict(os.environ)) == (cwd, environ)
    plain = cli("did", "x")  # the --json of the run before does not carry over
    assert plain.stdout == "z8iZs59ytseScHpX1YuJ86T7r3giEg1HXsP5A\n"
