"""Option types shared by the commands (so every command spells them the same way). The global flags
(`--json`, `--verbose`, ...) are added to every command by `cli.group`."""

from __future__ import annotations

from typing import Annotated

import typer

from blocklet_cli.core.settings import default_sentence

ForceOption = Annotated[bool, typer.Option("--force", "-f", help="Overwrite or proceed where it would refuse.")]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", help=f"Config profile (INI section) {default_sentence('profile')}.")
]


def setting(name: str, flag_value=None, *, ui=None, env=None):
    """Resolve setting `name` (`core.settings`) and, with `--verbose`, say where its value came from."""
    from blocklet_cli.core.settings import resolve

    found = resolve(name, flag_value, env)
    if ui is not None:
        ui.verbose(found.describe())
    return found


def profile_name(flag_value: str | None, ui=None) -> str:
    """The profile: `--profile`, else `$BLOCKLET_PROFILE`, else `default`."""
    return setting("profile", flag_value, ui=ui).value
