"""One reporting protocol from the core to whoever shows it (the CLI's `UI`, a test, nothing).

Core functions take `reporter: Reporter = NULL_REPORTER` and tell it what happens: `info`/`warn`/`detail`
lines and tasks with progress (`task(description, total, unit)` returns a `Task` to `advance` and
`finish`, or use it as a context manager). A reporter may be called from worker threads.
"""

from __future__ import annotations

from typing import Literal, Protocol

Unit = Literal["files", "bytes", "items"]


class Task(Protocol):
    """One unit of long work with a known (or unknown, None) total."""

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        """Add `amount` done (may be negative to restart a stage); optionally change total or description."""

    def finish(self) -> None:
        """The work is done (idempotent)."""

    def __enter__(self) -> Task: ...

    def __exit__(self, *exc: object) -> None: ...


class Reporter(Protocol):
    """What core functions report through; never prints by itself."""

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...

    def detail(self, message: str) -> None:
        """Shown only with --verbose/--debug."""

    def task(self, description: str, total: float | None = None, unit: Unit = "items") -> Task: ...


class NullTask:
    """A task nobody watches."""

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        return None

    def finish(self) -> None:
        return None

    def __enter__(self) -> NullTask:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class NullReporter:
    """Reports nothing (the default of every core function)."""

    def info(self, message: str) -> None:
        return None

    def warn(self, message: str) -> None:
        return None

    def detail(self, message: str) -> None:
        return None

    def task(self, description: str, total: float | None = None, unit: Unit = "items") -> NullTask:
        return NullTask()


NULL_REPORTER: Reporter = NullReporter()
NULL_TASK: Task = NullTask()

__all__ = ["NULL_REPORTER", "NULL_TASK", "NullReporter", "NullTask", "Reporter", "Task", "Unit"]
