"""Commands run without Typer (`blocklet_cli/cli/direct.py`) get exactly what Typer would give them: for any
command line the direct parser accepts, Typer accepts it too, with the same values and the same global flags;
everything else is left to Typer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from blocklet_cli.cli import direct
from blocklet_cli.cli.app import COMMANDS
from blocklet_cli.cli.context import GLOBAL_FLAGS, Env
from blocklet_cli.cli.group import add_global_flags, typer_callback
from blocklet_cli.cli.params import Param

FLAG_ATTRIBUTES = [attribute for attribute, _, _ in GLOBAL_FLAGS]


def _function(name: str) -> Any:
    import importlib

    entry = COMMANDS[name]
    return getattr(importlib.import_module(f"blocklet_cli.cli.commands.{entry.module}"), entry.attr)


DIRECT = sorted(name for name in COMMANDS if not isinstance(_function(name), typer.Typer)
                and direct.specs(_function(name)) is not None)


def _typer_values(function: Any, argv: list[str]) -> tuple[dict[str, Any], dict[str, bool]] | None:
    """What Typer passes to `function` for `argv`, and the global flags it sets; None for a usage error."""
    captured: dict[str, Any] = {}

    def record(**kwargs: Any) -> None:
        captured.update(kwargs)

    record.__signature__ = typer_callback(function).__signature__  # type: ignore[attr-defined]
    app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
    app.command()(record)
    command = typer.main.get_command(app)
    add_global_flags(command)
    env = Env()
    try:
        command.main(args=argv, prog_name="blocklet", standalone_mode=False, obj=env)
    except (typer.TyperException, typer.Exit):  # usage errors; --help exits
        return None
    return captured, {attribute: getattr(env, attribute) for attribute in FLAG_ATTRIBUTES}


def _direct_values(function: Any, argv: list[str]) -> tuple[dict[str, Any], dict[str, bool]] | None:
    specs = direct.specs(function)
    assert specs is not None
    env = Env()
    values = direct.parse(specs, argv, env)
    return None if values is None else (values, {attribute: getattr(env, attribute) for attribute in FLAG_ATTRIBUTES})


def test_the_common_commands_run_without_typer() -> None:
    assert {"validate", "did", "meta"} <= set(DIRECT)
    assert "bundle" not in DIRECT  # `--dependencies-depth` has a minimum: Typer checks it


PLAIN = {  # command lines the direct parser must accept (so that the fast way is really taken)
    "validate": [[], ["."], ["a.yml", "b", "--json"], ["--strict", "--mode=bundle", "x"], ["--mode", "dev"],
                 ["--no-json-schema", "--json-schema", "-v", "--store-url", "http://x", "--", "--strict"],
                 ["-", "--debug", "--no-color", "--no-input", "--verbose"]],
    "did": [["x"], ["a", "b", "--describe", "--json"], ["--", "-x", "--describe"]],
    "meta": [[], ["dir"], ["--format", "yaml", "--legacy"], ["--composed", "--offline", "--store-url=s", "p"]],
}


@pytest.mark.parametrize(("name", "argv"), [(name, argv) for name, lines in PLAIN.items() for argv in lines])
def test_plain_command_lines_are_read_as_typer_reads_them(name: str, argv: list[str]) -> None:
    function = _function(name)
    found = _direct_values(function, argv)
    assert found is not None, argv
    assert found == _typer_values(function, argv)


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--strict=1"], ["--mode"], ["--mode", "--json"], ["--mod", "x"],
                                  ["-vj"], ["--json=1"], ["--unknown"]])
def test_what_it_does_not_read_is_left_to_typer(argv: list[str]) -> None:
    assert _direct_values(_function("validate"), argv) is None


def test_a_missing_or_extra_argument_is_left_to_typer() -> None:
    assert _direct_values(_function("did"), []) is None
    assert _direct_values(_function("meta"), ["a", "b"]) is None


def _tokens(name: str) -> st.SearchStrategy[str]:
    specs = direct.specs(_function(name)) or []
    options = sorted({option for spec in specs for option in (*spec.names, *spec.off_names)})
    flags = sorted({flag for _, names, _ in GLOBAL_FLAGS for flag in names})
    return st.one_of(st.sampled_from([*options, *flags, "--", "-", "", ".", "x", "-x", "--help", "-h", "=", "--x=1",
                                      "yaml", "0", "-1"]),
                     st.builds(lambda option, value: f"{option}={value}", st.sampled_from(options or ["--x"]),
                               st.sampled_from(["", "a", "=", "-"])),
                     st.text(max_size=4))


@pytest.mark.parametrize("name", ["validate", "did", "meta"])
def test_random_command_lines_agree_with_typer(name: str) -> None:
    function = _function(name)

    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(argv=st.lists(_tokens(name), max_size=6))
    def agree(argv: list[str]) -> None:
        found = _direct_values(function, argv)
        if found is not None:
            assert found == _typer_values(function, argv), argv

    agree()


def test_declarations_become_typer_parameters() -> None:
    parameters = typer_callback(_function("validate")).__signature__.parameters
    metadata = [item for parameter in parameters.values() for item in parameter.annotation.__metadata__]
    assert metadata and not any(isinstance(item, Param) for item in metadata)
    assert all(isinstance(item, typer.models.ParameterInfo) for item in metadata)


@pytest.mark.parametrize("argv", [["did", "x"], ["--json", "validate", "{project}"], ["meta", "{project}", "--json"]])
def test_plain_runs_import_no_typer(argv: list[str], tmp_path: Path, fixtures_dir: Path) -> None:
    project = fixtures_dir / "projects" / "static-site"
    code = ("import sys\nfrom blocklet_cli.cli.app import run\nfrom blocklet_cli.cli.context import Env\n"
            f"status = run({[arg.format(project=project) for arg in argv]!r}, Env())\n"
            "assert status == 0, status\nassert 'typer' not in sys.modules, 'typer was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={"CI": "1", "PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr
