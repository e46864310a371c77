"""The `blocklet` application: the command table, the top-level help, and `main()`.

Start-up is kept small: `blocklet --help` and `--version` are answered from the table below without
importing Typer or any command; `blocklet X` builds only X's command (`cli.group`). `main()` is the one
place where exceptions become exit codes and messages (see `cli.errors`): no traceback reaches the user
unless `--debug` is given.
"""

from __future__ import annotations

import sys

from blocklet_cli import __version__
from blocklet_cli.cli.context import GLOBAL_FLAGS, Env

TYPE_CHECKING = False  # not `from typing import TYPE_CHECKING`: typing costs start-up time

if TYPE_CHECKING:  # typing, contextlib and collections.abc stay out of `blocklet --help`
    from typing import TextIO

HELP = """Build, check, bundle, publish and deploy Blocklets.

Examples:

  blocklet init my-app --group static --yes

  blocklet validate                     # the project in this folder

  blocklet bundle --create-release

  blocklet publish --store ./my-store   # a static file store, no account needed
"""


class CommandEntry:
    """Where a command lives (`blocklet_cli.cli.commands.<module>.<attr>`) and its one-line summary (the
    first line of its help; a test keeps the two equal). `help` replaces the function's docstring."""

    __slots__ = ("attr", "help", "module", "summary")

    def __init__(self, module: str, attr: str, summary: str, help: str | None = None) -> None:
        self.module, self.attr, self.summary, self.help = module, attr, summary, help


COMMANDS: dict[str, CommandEntry] = {
    "init": CommandEntry("init", "init", "Create a Blocklet project in DIRECTORY (default: this folder), offline."),
    "meta": CommandEntry("meta", "meta", "Print the normalised blocklet metadata (defaults filled, unknown keys "
                                         "dropped)."),
    "validate": CommandEntry("validate", "validate", "Validate blocklet.yml files and list every problem as "
                                                     "file:line:column: pointer: message."),
    "check": CommandEntry("check", "check", "List every problem the store or the server would refuse after upload, "
                                            "offline; exit 3 on any error."),
    "did": CommandEntry("did", "did", "Print the DID of each NAME, one per line, in input order."),
    "version": CommandEntry("version", "version", "Set the version of the Blocklet in this folder; only that "
                                                  "value changes in blocklet.yml."),
    "dev": CommandEntry("dev", "dev", "Run the blocklet in DIRECTORY as Blocklet Server would, with no server."),
    "bundle": CommandEntry("bundle", "bundle", "Bundle the blocklet in PROJECT into .blocklet/bundle (and a "
                                               "release with --create-release)."),
    "add": CommandEntry("add", "add", "Add a component to blocklet.yml after resolving it and verifying the "
                                      "whole component tree."),
    "remove": CommandEntry("remove", "remove", "Remove the component NAME from blocklet.yml, keeping every "
                                               "comment and the formatting."),
    "publish": CommandEntry("publish", "publish", "Sign a release and publish it to a Blocklet Store or a static "
                                                  "file store."),
    "upload": CommandEntry("publish", "publish", "Alias of `publish`.",
                           "Alias of `publish`.\n\nExamples:\n\n  blocklet upload\n\n"
                           "  blocklet upload .blocklet/release/blocklet.json --profile staging"),
    "deploy": CommandEntry("deploy", "deploy", "Install or upgrade the blocklet in FOLDER as a component of an "
                                               "existing app on a Blocklet Server."),
    "connect": CommandEntry("connect", "connect", "Connect to a Blocklet Store with your DID Wallet and save the "
                                                  "access token in the profile."),
    "config": CommandEntry("config", "app", "Read and write configuration profiles (~/.arcblock/blocklet.ini, "
                                            "shared with the reference CLI)."),
    "migrate": CommandEntry("migrate", "migrate", "Convert a legacy Blocklet project (blocklet.json, "
                                                  "package.json#blocklet) to blocklet.yml."),
}

HELP_OPTIONS = ("-h", "--help")
VERSION_OPTIONS = ("-V", "--version")
VERSION_HELP = "Print the version."
COMPLETION_OPTIONS = (
    ("--install-completion", "Install completion for the current shell."),
    ("--show-completion", "Show completion for the current shell, to copy it or customize the installation."),
)
WIDTH = 80


def _wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most `width` characters (textwrap would import re: start-up time)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _definitions(rows: list[tuple[str, str]]) -> list[str]:
    """Click's two-column layout: names, then the text wrapped beside them."""
    column = min(max(len(name) for name, _ in rows), 30) + 4
    lines = []
    for name, text in rows:
        wrapped = _wrap(text, WIDTH - column)
        if len(name) + 4 > column:
            lines.append(f"  {name}")
            lines.extend(" " * column + part for part in wrapped)
            continue
        lines.append(f"  {name}".ljust(column) + wrapped[0])
        lines.extend(" " * column + part for part in wrapped[1:])
    return lines


def top_level_help() -> str:
    """`blocklet --help`, rendered from the table (no command module is imported)."""
    options = [(", ".join(sorted(names, key=len)), text) for _, names, text in GLOBAL_FLAGS]
    options.append((", ".join(VERSION_OPTIONS), VERSION_HELP))
    options.extend(COMPLETION_OPTIONS)
    options.append((", ".join(HELP_OPTIONS), "Show this message and exit."))
    lines = ["Usage: blocklet [OPTIONS] COMMAND [ARGS]...", ""]
    lines.extend(f"  {line}".rstrip() for line in HELP.strip("\n").splitlines())
    lines.extend(["", "Options:", *_definitions(options), "", "Commands:"])
    lines.extend(_definitions([(name, entry.summary) for name, entry in COMMANDS.items()]))
    return "\n".join(lines) + "\n"


def _answered_by_table(args: list[str]) -> str | None:
    """'help' or 'version' when the leading options (global flags only) ask for it, as Click would."""
    flags = {name for _, names, _ in GLOBAL_FLAGS for name in names}
    for arg in args:
        if arg in HELP_OPTIONS:
            return "help"
        if arg in VERSION_OPTIONS:
            return "version"
        if arg not in flags:
            return None
    return None


def build_command():
    """The full Click command (a lazy group: commands are imported when looked up)."""
    from blocklet_cli.cli.group import root_command

    return root_command()


def __getattr__(name: str):
    if name == "app":  # the root Typer object, for tools that want it
        from blocklet_cli.cli.group import root_app

        return root_app()
    raise AttributeError(name)


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> None:
    """Console-script entry point: run one command and exit with its status (never returns)."""
    args = list(sys.argv[1:] if argv is None else argv)
    saved = sys.stdin, sys.stdout, sys.stderr  # given streams become sys.std* (Click writes help and errors there)
    sys.stdin, sys.stdout, sys.stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        _tolerant_streams()
        _terminate_like_interrupt()
        env = Env()
        try:
            status = _flush_stdout(env, run(args, env))
        except KeyboardInterrupt:  # landed between the command's own handling and the exit
            status = 130
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    sys.exit(status)


def run(args: list[str], env: Env) -> int:
    """Run `blocklet ARGS` in `env`; return the exit status. Every failure becomes a status here."""
    answer = _answered_by_table(args)
    if answer == "help":
        env.stdout.write(top_level_help())
        return 0
    if answer == "version":
        env.stdout.write(f"blocklet {__version__}\n")
        return 0
    from blocklet_cli.cli.errors import ExitStatus, as_blocklet_error, error_lines, exit_status_for
    from blocklet_cli.core.errors import BlockletError

    status: int = ExitStatus.OK
    try:
        _interrupt_raises()  # from here on Ctrl-C is a KeyboardInterrupt, handled below (cli/entry.py)
        result = _run_direct(args, env)
        if result is _TYPER:
            command = build_command()
            result = command.main(args=args, prog_name="blocklet", standalone_mode=False, obj=env)
        status = result if isinstance(result, int) else ExitStatus.OK
    except _click_errors("TyperException") as exc:  # Click's usage errors (unknown option, missing argument)
        status = ExitStatus.USAGE
        message = exc.format_message()  # type: ignore[attr-defined]
        _report(env, [message, "hint: see `blocklet --help` or `blocklet <command> --help`"])
        _json_error(env, {"type": "UsageError", "message": message}, status)
    except (KeyboardInterrupt, *_click_errors("Abort")):  # type: ignore[misc]
        env.stderr.write("\n✖ interrupted\n")
        status = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        status = ExitStatus.OK
    except (BlockletError, OSError) as exc:  # expected failures: one line (a traceback would be noise)
        error = as_blocklet_error(exc) if isinstance(exc, OSError) else exc
        status = exit_status_for(error)
        _report(env, error_lines(error))
        _json_error(env, error.to_dict(), status)
    except Exception as exc:  # a bug: one line, the traceback only on request
        status = ExitStatus.INTERNAL
        if env.debug:
            import traceback

            traceback.print_exc(file=env.stderr)
        _report(env, [f"internal error: {type(exc).__name__}: {exc}",
                      "hint: run again with --debug for the traceback, and report it"])
        _json_error(env, {"type": "InternalError", "message": f"{type(exc).__name__}: {exc}"}, status)
    return int(status)


_TYPER = object()  # `_run_direct`'s answer when Typer must run the command line


def _run_direct(args: list[str], env: Env) -> object:
    """Run a command without Typer when its command line is plain (`cli.direct`): its result, or `_TYPER`."""
    flags = {name: attribute for attribute, names, _ in GLOBAL_FLAGS for name in names}
    leading = []
    for arg in args:
        if arg not in flags:
            break
        leading.append(flags[arg])
    rest = args[len(leading):]
    entry = COMMANDS.get(rest[0]) if rest else None
    if entry is None or entry.help is not None:  # the group's help or an error, or an alias with its own help
        return _TYPER
    import importlib

    from blocklet_cli.cli import direct
    from blocklet_cli.cli.context import RUNNING

    function = getattr(importlib.import_module(f"blocklet_cli.cli.commands.{entry.module}"), entry.attr)
    specs = direct.specs(function) if callable(function) and hasattr(function, "__code__") else None
    values = None if specs is None else direct.parse(specs, rest[1:], env)
    if values is None:
        return _TYPER
    for attribute in leading:
        setattr(env, attribute, True)
    RUNNING.append(env)
    try:
        return function(**values)
    finally:
        RUNNING.pop()


def _click_errors(name: str) -> tuple[type[Exception], ...]:
    """Typer's exception class `name` when Typer ran (an `except` clause that names no class otherwise)."""
    typer = sys.modules.get("typer")
    return (getattr(typer, name),) if typer is not None else ()


def _flush_stdout(env: Env, status: int) -> int:
    """Flush the output; a full disk or a closed pipe on stdout is one line and the file system code."""
    try:
        env.stdout.flush()
        return status
    except OSError as exc:
        import contextlib
        import errno
        import os

        from blocklet_cli.cli.errors import ExitStatus

        with contextlib.suppress(OSError, ValueError, AttributeError):  # nothing more can be written there
            os.dup2(os.open(os.devnull, os.O_WRONLY), env.stdout.fileno())
        if exc.errno == errno.EPIPE:
            return status
        _report(env, [f"cannot write the output: {exc.strerror or exc}"])
        return status or ExitStatus.FILESYSTEM


def _interrupt_raises() -> None:
    import contextlib
    import signal

    with contextlib.suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate_like_interrupt() -> None:
    """SIGTERM is handled like Ctrl-C: KeyboardInterrupt runs every cleanup (staging folders, locks,
    temporary files) and the run ends with the interrupted status."""
    import contextlib
    import signal

    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (embedded use): leave the default
        signal.signal(signal.SIGTERM, raise_interrupt)


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    r"""Characters the output encoding cannot hold become `\uXXXX` (valid inside JSON strings, too)."""
    if not isinstance(error, UnicodeEncodeError):  # registered for encoding only
        raise error
    escaped = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


def _tolerant_streams() -> None:
    """Text that the output encoding cannot hold (an ASCII locale, undecodable file-name bytes from argv)
    is written as JSON-style escapes instead of failing with UnicodeEncodeError."""
    import codecs

    codecs.register_error("blocklet-escape", _json_escape)
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "backslashreplace") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="blocklet-escape")


def _report(env: Env, lines: list[str]) -> None:
    from blocklet_cli.cli.output import UI

    ui = UI(env)
    ui.error(lines[0])
    for line in lines[1:]:
        ui.text(line)


def _json_error(env: Env, error: dict, status: int) -> None:
    if env.json:
        import contextlib

        from blocklet_cli.cli.output import json_text

        with contextlib.suppress(OSError):  # stdout itself may be what failed (a full disk)
            env.stdout.write(json_text({"error": error, "exitCode": int(status)}) + "\n")


if __name__ == "__main__":
    main()
