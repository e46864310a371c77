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


def bool_setting(name: str, flag_value: bool | None = None, *, ui=None, env=None):
    """A yes/no setting: the flag when given (True), else its variable (`true`/`1`/`yes`/`on` or
    `false`/`0`/`no`/`off`), else its default; the `Resolved` value is a bool."""
    from blocklet_cli.core.errors import UsageError

    found = setting(name, flag_value, ui=ui, env=env)
    text = str(found.value).strip().lower() if found.value is not None else "false"
    if text in ("true", "1", "yes", "on"):
        found.value = True
    elif text in ("false", "0", "no", "off", ""):
        found.value = False
    else:
        raise UsageError(f"{name} from {found.source} must be true or false, got {found.value!r}")
    return found
