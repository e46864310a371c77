"""Option types shared by the commands (so every command spells them the same way)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout (text goes to stderr).")]
ForceOption = Annotated[bool, typer.Option("--force", "-f", help="Overwrite or proceed where it would refuse.")]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", envvar="BLOCKLET_PROFILE", help="Config profile (INI section).")
]
