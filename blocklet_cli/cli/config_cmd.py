"""`blocklet config` (placeholder until its issue lands)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Read and write configuration profiles.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Not available yet."""
    from blocklet_cli.core.errors import UsageError

    raise UsageError("`blocklet config` is not available yet")
