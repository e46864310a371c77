"""The run's environment: streams, terminal facts and the global options (like httpie's `Environment`).

`main()` makes one `Env` per run and hands it to Click as the root context's `obj`; the global options
(`--json`, `--verbose`, `--debug`, `--no-input`, `--no-color`) set it wherever they appear on the command
line, before or after the command name. Commands get it with `get_env()`. Nothing here is global state:
a second run in the same process starts from a fresh `Env`.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `from typing import TYPE_CHECKING`: typing costs start-up time

if TYPE_CHECKING:  # typing and dataclasses stay out of `blocklet --help`
    from collections.abc import Mapping
    from typing import TextIO

# (attribute, option names, help): the flags every command accepts, before or after its name.
GLOBAL_FLAGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("json", ("--json",), "Print one JSON document on stdout (text goes to stderr)."),
    ("verbose", ("--verbose", "-v"), "Say more about what happens."),
    ("debug", ("--debug",), "Show tracebacks of unexpected errors."),
    ("no_input", ("--no-input",), "Never prompt (as when CI is set)."),
    ("no_color", ("--no-color",), "No colours (as when NO_COLOR is set)."),
)


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, AttributeError):  # closed or not a real stream
        return False


class Env:
    """Streams, environment variables and global options of one run (the process's by default)."""

    def __init__(self, *, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 environ: Mapping[str, str] | None = None, json: bool = False, verbose: bool = False,
                 debug: bool = False, no_input: bool = False, no_color: bool = False) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        self.environ: Mapping[str, str] = environ if environ is not None else os.environ
        self.json, self.verbose, self.debug, self.no_input, self.no_color = json, verbose, debug, no_input, no_color

    def __repr__(self) -> str:
        flags = [name for name in ("json", "verbose", "debug", "no_input", "no_color") if getattr(self, name)]
        return f"Env({', '.join(flags)})"

    @property
    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    @property
    def stdout_isatty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        return _isatty(self.stderr)

    @property
    def colour(self) -> bool:
        """Colours on stderr: a terminal, and neither --no-color nor NO_COLOR."""
        return not self.no_color and "NO_COLOR" not in self.environ and self.stderr_isatty

    @property
    def interactive(self) -> bool:
        """We may ask questions: stdin is a terminal, CI is not set, and no --no-input."""
        if self.no_input or self.environ.get("CI", "").lower() not in ("", "0", "false"):
            return False
        return self.stdin_isatty


def get_env() -> Env:
    """The `Env` of the running command (the root Click context's `obj`), else a fresh default one."""
    click_globals = sys.modules.get("typer._click.globals")
    if click_globals is not None:
        ctx = click_globals.get_current_context(silent=True)
        if ctx is not None and isinstance(ctx.find_root().obj, Env):
            return ctx.find_root().obj
    return Env()
