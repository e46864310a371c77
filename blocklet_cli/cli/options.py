"""Option types shared by the commands (so every command spells them the same way). The global flags
(`--json`, `--verbose`, ...) are added to every command by `cli.group`."""

from __future__ import annotations

from typing import Annotated

import typer

ForceOption = Annotated[bool, typer.Option("--force", "-f", help="Overwrite or proceed where it would refuse.")]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", envvar="BLOCKLET_PROFILE", help="Config profile (INI section).")
]
