"""Parameter declarations without Typer: `Annotated[bool, Option("--strict", help=...)]`.

`Option` and `Argument` take what `typer.Option` / `typer.Argument` take and only record it, so a command
module that declares its parameters with them does not import Typer. The declaration is the one source
of truth for both ways a command runs: `cli.group` turns each record into the Typer parameter (help,
completion, usage errors: Typer renders them), and `cli.direct` parses a plain command line from the same
records without Typer (start-up time), handing anything it does not fully understand to Typer.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing import TYPE_CHECKING`: typing costs start-up time

if TYPE_CHECKING:
    from typing import Any


class Param:
    """One declared parameter: `kind` is "option" or "argument"; `decls` and `attrs` as Typer takes them."""

    __slots__ = ("attrs", "decls", "kind")

    def __init__(self, kind: str, decls: tuple[str, ...], attrs: dict[str, Any]) -> None:
        self.kind, self.decls, self.attrs = kind, decls, attrs

    def __repr__(self) -> str:
        return f"{self.kind.title()}({', '.join(map(repr, self.decls))})"

    def to_typer(self) -> Any:
        """The Typer parameter this declares."""
        import typer

        if self.kind == "option":
            return typer.Option(*self.decls, **self.attrs)
        return typer.Argument(**self.attrs)


def Option(*param_decls: str, **attrs: Any) -> Any:
    """An option, declared as with `typer.Option` inside `Annotated`."""
    return Param("option", param_decls, attrs)


def Argument(**attrs: Any) -> Any:
    """A positional argument, declared as with `typer.Argument` inside `Annotated`."""
    return Param("argument", (), attrs)
