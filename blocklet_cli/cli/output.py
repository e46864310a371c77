"""Rendering: human text on stderr, one JSON document on stdout, progress, prompts.

Honours `NO_COLOR`, `--no-color`, `CI` and a non-TTY stdin (no prompts: `InputRequiredError`
naming the flag or environment variable to set instead), all read from the run's `Env`. Rich is
imported only when something is actually rendered, so `blocklet --help` stays fast.

Text from outside (remote answers, file names, metadata) never reaches the terminal raw: every line
the UI writes goes through `sanitize` (control characters, bidi overrides and undecodable bytes shown
as visible escapes), and the JSON document through `json_text` (valid UTF-8, C1 controls escaped).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from blocklet_cli.cli.context import Env, get_env
from blocklet_cli.core.errors import InputRequiredError

if TYPE_CHECKING:
    from rich.console import Console

# C0 controls but newline and tab, DEL and C1 controls, bidi overrides/isolates, lone surrogates
# (undecodable bytes of file names and argv, kept by Python as U+DC80..U+DCFF)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\x1b": "\\e"}


def _visible(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: object) -> str:
    """`text` safe for a terminal: control characters (but newline and tab), bidi controls and
    undecodable bytes become visible escapes (`\\e]0;…`, `\\x9b`, `\\u202e`)."""
    text = str(text)
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def json_text(document: Any, **options: Any) -> str:
    """`document` as JSON text that is valid UTF-8 and safe on a terminal (C0 controls are escaped by
    JSON itself; DEL, C1, bidi controls and lone surrogates become `\\uXXXX` escapes too)."""
    text = json.dumps(document, ensure_ascii=False, default=_json_default, **options)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class UI:
    """What commands render through, and the one `Reporter` (blocklet_cli.core.report) of the core.

    Everything goes to the streams of the run's `Env`: human text on stderr, the JSON document (with
    --json) or primary output on stdout."""

    def __init__(self, env: Env | None = None) -> None:
        self.env = env if env is not None else get_env()
        self._console: Console | None = None

    @property
    def json_mode(self) -> bool:
        return self.env.json

    # -- consoles -------------------------------------------------------------------------
    @property
    def console(self) -> Console:
        """A Rich console on stderr (created on first use)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.env.stderr, highlight=False, no_color=not self.env.colour, soft_wrap=True,
                force_terminal=None if self.env.colour else False,
            )
        return self._console

    def _say(self, symbol: str, style: str, message: str) -> None:
        message = sanitize(message)
        if self.env.colour:
            self.console.print(f"[{style}]{symbol}[/] {_escape(message)}")
        else:
            self.env.stderr.write(f"{symbol} {message}\n")
            self.env.stderr.flush()

    def info(self, message: str) -> None:
        self._say("ℹ", "blue", message)

    def success(self, message: str) -> None:
        self._say("✔", "green", message)

    def warn(self, message: str) -> None:
        self._say("⚠", "yellow", message)

    def error(self, message: str) -> None:
        self._say("✖", "red bold", message)

    def verbose(self, message: str) -> None:
        if self.env.verbose or self.env.debug:
            self._say("·", "dim", message)

    def text(self, message: str = "") -> None:
        """Plain human text on stderr."""
        self.env.stderr.write(sanitize(message) + "\n")
        self.env.stderr.flush()

    # -- results --------------------------------------------------------------------------
    def result(self, document: Any) -> None:
        """Print the one JSON document of this command on stdout."""
        self.env.stdout.write(json_text(document, indent=2) + "\n")
        self.env.stdout.flush()

    def out(self, line: str) -> None:
        """A line of primary (non-JSON) output on stdout, e.g. one DID per line."""
        self.env.stdout.write(sanitize(line) + "\n")
        self.env.stdout.flush()

    def result_url(self, url: str | None) -> None:
        """The command's resulting URL alone on stdout, for `URL=$(blocklet deploy …)`: in text mode when
        stdout is not a terminal (a terminal shows it in the stderr lines; --json has it in its document)."""
        if url and not self.json_mode and not self.env.stdout_isatty:
            self.out(url)

    def table(self, rows: Sequence[tuple[str, ...]], headers: tuple[str, ...] | None = None,
              title: str | None = None) -> None:
        """A simple table on stderr."""
        from rich.table import Table

        table = Table(title=title, show_header=headers is not None, box=None, pad_edge=False)
        for header in headers or ("",) * (len(rows[0]) if rows else 0):
            table.add_column(header)
        for row in rows:
            table.add_row(*[_escape(sanitize(cell)) for cell in row])
        self.console.print(table)

    # -- progress (the Reporter protocol) ------------------------------------------------------
    def detail(self, message: str) -> None:
        """Reporter's detail line: shown with --verbose/--debug."""
        self.verbose(message)

    def task(self, description: str, total: float | None = None, unit: str = "items") -> _Task:
        """A progress task: a Rich bar on a terminal; a start and a done line elsewhere (stderr only)."""
        description = sanitize(description)
        if self.env.stderr_isatty:
            return _BarTask(self, description, total, unit)
        return _LineTask(self, description)

    @contextmanager
    def spinner(self, description: str) -> Iterator[None]:
        """A spinner on a TTY; a start line otherwise."""
        description = sanitize(description)
        if not self.env.stderr_isatty:
            self.text(f"- {description}")
            yield
            return
        with self.console.status(description):
            yield

    # -- prompts --------------------------------------------------------------------------
    def prompt(self, question: str, *, flag: str, env: str | None = None, default: str | None = None,
               validate: Callable[[str], str | None] | None = None, secret: bool = False) -> str:
        """Ask on a TTY (re-asking until `validate` returns None); otherwise raise InputRequiredError."""
        if not self.env.interactive:
            where = f"pass {flag}" + (f" or set {env}" if env else "")
            raise InputRequiredError(f"{question.rstrip(':?')} is required and cannot be asked here: {where}")
        from rich.prompt import Prompt

        while True:
            answer = Prompt.ask(question, console=self.console, default=default, password=secret)
            answer = "" if answer is None else str(answer)
            problem = validate(answer) if validate else None
            if not problem:
                return answer
            self.error(problem)

    def confirm(self, question: str, *, flag: str, default: bool = False) -> bool:
        """Yes/no on a TTY; otherwise raise InputRequiredError naming the flag that answers it."""
        if not self.env.interactive:
            raise InputRequiredError(f"{question.rstrip('?')}? cannot be asked here: pass {flag}")
        from rich.prompt import Confirm

        return bool(Confirm.ask(question, console=self.console, default=default))


class _Task:
    def __enter__(self) -> _Task:
        return self

    def __exit__(self, exc_type: object = None, *rest: object) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        return None

    def finish(self) -> None:
        return None

    def abort(self) -> None:
        """The work failed: stop showing it (the error says why)."""
        return None


class _LineTask(_Task):
    """`- description` now, `✔ description done in 0.12s` when finished (a log or CI)."""

    def __init__(self, ui: UI, description: str) -> None:
        import time

        self.ui, self.description, self.started, self.done = ui, description, time.monotonic(), False
        ui.text(f"- {description}")

    def finish(self) -> None:
        import time

        if not self.done:
            self.done = True
            self.ui.text(f"✔ {self.description} done in {time.monotonic() - self.started:.2f}s")

    def abort(self) -> None:
        self.done = True


class _BarTask(_Task):
    """A transient Rich progress bar on the terminal (thread-safe: Rich locks its updates)."""

    def __init__(self, ui: UI, description: str, total: float | None, unit: str) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   DownloadColumn() if unit == "bytes" else TextColumn("{task.completed:.0f}/{task.total}"),
                   TimeElapsedColumn()]
        self.bar = Progress(*columns, console=ui.console, transient=True)
        self.bar.start()
        self.id = self.bar.add_task(_escape(description), total=total)
        self.done = False

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if total is not None:
            changes["total"] = total
        if description is not None:
            changes["description"] = _escape(sanitize(description))
        self.bar.update(self.id, advance=amount, **changes)

    def finish(self) -> None:
        if not self.done:
            self.done = True
            self.bar.stop()

    abort = finish


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _json_default(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
