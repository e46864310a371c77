"""The `blocklet` application: global options, command registration, and `main()`.

`main()` is the one place where exceptions become exit codes and messages (see `cli.errors`):
no traceback reaches the user unless `--debug` is given.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import typer

from blocklet_cli import __version__
from blocklet_cli.cli.commands import add as add_cmd
from blocklet_cli.cli.commands import bundle as bundle_cmd
from blocklet_cli.cli.commands import config as config_cmd
from blocklet_cli.cli.commands import connect as connect_cmd
from blocklet_cli.cli.commands import deploy as deploy_cmd
from blocklet_cli.cli.commands import dev as dev_cmd
from blocklet_cli.cli.commands import did as did_cmd
from blocklet_cli.cli.commands import init as init_cmd
from blocklet_cli.cli.commands import meta as meta_cmd
from blocklet_cli.cli.commands import publish as publish_cmd
from blocklet_cli.cli.commands import remove as remove_cmd
from blocklet_cli.cli.commands import validate as validate_cmd
from blocklet_cli.cli.commands import version as version_cmd
from blocklet_cli.cli.output import SETTINGS

HELP = """Build, check, bundle, publish and deploy Blocklets.

Examples:

  blocklet init my-app --group static --yes

  blocklet validate                     # the project in this folder

  blocklet bundle --create-release

  blocklet publish --store ./my-store   # a static file store, no account needed
"""

app = typer.Typer(
    name="blocklet",
    help=HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"blocklet {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global(
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more about what happens.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt (as when CI is set).")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (as when NO_COLOR is set).")] = False,
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    SETTINGS.json = json_output
    SETTINGS.verbose = verbose
    SETTINGS.debug = debug
    SETTINGS.no_input = no_input
    SETTINGS.no_color = no_color


app.command("init")(init_cmd.init)
app.command("meta")(meta_cmd.meta)
app.command("validate")(validate_cmd.validate)
app.command("did")(did_cmd.did)
app.command("version")(version_cmd.version)
app.command("dev")(dev_cmd.dev)
app.command("bundle")(bundle_cmd.bundle)
app.command("add")(add_cmd.add)
app.command("remove")(remove_cmd.remove)
app.command("publish")(publish_cmd.publish)
app.command("upload", help="Alias of `publish`.\n\nExamples:\n\n  blocklet upload\n\n"
            "  blocklet upload .blocklet/release/blocklet.json --profile staging")(publish_cmd.publish)
app.command("deploy")(deploy_cmd.deploy)
app.add_typer(config_cmd.app, name="config")
app.command("connect")(connect_cmd.connect)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn every failure into an exit code."""
    from blocklet_cli.cli.errors import ExitStatus, as_blocklet_error, error_lines, exit_status_for
    from blocklet_cli.core.errors import BlockletError

    _tolerant_streams()
    _terminate_like_interrupt()
    status: int = ExitStatus.OK
    try:
        _interrupt_raises()  # from here on Ctrl-C is a KeyboardInterrupt, handled below (cli/entry.py)
        command = typer.main.get_command(app)
        result = command.main(args=argv, prog_name="blocklet", standalone_mode=False)
        status = result if isinstance(result, int) else ExitStatus.OK
    except typer.TyperException as exc:  # Click's usage errors (unknown option, missing argument)
        status = ExitStatus.USAGE
        _report([exc.format_message(), "hint: see `blocklet --help` or `blocklet <command> --help`"])
        _json_error({"type": "UsageError", "message": exc.format_message()}, status)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("\n✖ interrupted\n")
        status = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        status = ExitStatus.OK
    except (BlockletError, OSError) as exc:  # expected failures: one line (a traceback would be noise)
        error = as_blocklet_error(exc) if isinstance(exc, OSError) else exc
        status = exit_status_for(error)
        _report(error_lines(error))
        _json_error(error.to_dict(), status)
    except Exception as exc:  # a bug: one line, the traceback only on request
        status = ExitStatus.INTERNAL
        if SETTINGS.debug:
            import traceback

            traceback.print_exc()
        _report([f"internal error: {type(exc).__name__}: {exc}",
                 "hint: run again with --debug for the traceback, and report it"])
        _json_error({"type": "InternalError", "message": f"{type(exc).__name__}: {exc}"}, status)
    status = _flush_stdout(status)
    sys.exit(int(status))


def _flush_stdout(status: int) -> int:
    """Flush the output; a full disk or a closed pipe on stdout is one line and the file system code."""
    import errno
    import os

    from blocklet_cli.cli.errors import ExitStatus

    try:
        sys.stdout.flush()
        return status
    except OSError as exc:
        with contextlib.suppress(OSError):  # nothing more can be written there, not even at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if exc.errno == errno.EPIPE:
            return status
        _report([f"cannot write the output: {exc.strerror or exc}"])
        return status or ExitStatus.FILESYSTEM


def _interrupt_raises() -> None:
    import signal

    with contextlib.suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate_like_interrupt() -> None:
    """SIGTERM is handled like Ctrl-C: KeyboardInterrupt runs every cleanup (staging folders, locks,
    temporary files) and the run ends with the interrupted status."""
    import signal

    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (embedded use): leave the default
        signal.signal(signal.SIGTERM, raise_interrupt)


def _json_escape(error: UnicodeEncodeError) -> tuple[str, int]:
    r"""Characters the output encoding cannot hold become `\uXXXX` (valid inside JSON strings, too)."""
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


def _report(lines: list[str]) -> None:
    from blocklet_cli.cli.output import UI

    ui = UI()
    ui.error(lines[0])
    for line in lines[1:]:
        ui.text(line)


def _json_error(error: dict, status: int) -> None:
    if SETTINGS.json:
        from blocklet_cli.cli.output import json_text

        with contextlib.suppress(OSError):  # stdout itself may be what failed (a full disk)
            sys.stdout.write(json_text({"error": error, "exitCode": int(status)}) + "\n")


if __name__ == "__main__":
    main()
