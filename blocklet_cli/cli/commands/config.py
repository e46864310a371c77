"""`blocklet config list|get|set|delete`: the reference's profiles file (reference:
ArcBlock/blocklet-server core/cli/lib/commands/blocklet/config.js)."""

from __future__ import annotations

from typing import Annotated

import typer

from blocklet_cli.cli.options import ProfileOption
from blocklet_cli.core.settings import SETTINGS

ShowSecrets = Annotated[bool, typer.Option("--show-secrets", help="Show secret values (accessToken) unmasked.")]

app = typer.Typer(
    help="""Read and write configuration profiles (~/.arcblock/blocklet.ini, shared with the reference CLI).

Keys, each with the environment variables that override it in commands (a flag overrides both):
""" + "; ".join(f"{s.name} ({', '.join(s.env_vars)})" for s in SETTINGS if s.name in s.profile_keys) + """.

Examples:

  blocklet config set store https://store.blocklet.dev

  blocklet config --profile staging set store http://localhost:3000

  blocklet config list --json
""",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@app.callback()
def _group(ctx: typer.Context, profile: ProfileOption = None, show_secrets: ShowSecrets = False) -> None:
    ctx.meta["config"] = {"profile": profile, "show_secrets": show_secrets}
    if ctx.invoked_subcommand is None:
        list_(ctx, profile, show_secrets)


def _opts(ctx: typer.Context, profile: str | None, show_secrets: bool = False) -> tuple[str, bool]:
    """The group's options (`config --profile p list`) count as the subcommand's; then BLOCKLET_PROFILE."""
    from blocklet_cli.cli.options import profile_name

    group = ctx.meta.get("config", {})
    return profile_name(profile or group.get("profile")), show_secrets or bool(group.get("show_secrets"))


def _masked(data: dict, show_secrets: bool) -> dict:
    from blocklet_cli.core.config.profiles import mask

    if show_secrets:
        return data
    return {key: _masked(value, False) if isinstance(value, dict) else mask(key, value)
            for key, value in data.items()}


@app.command("list")
def list_(ctx: typer.Context, profile: ProfileOption = None,
          show_secrets: ShowSecrets = False) -> None:
    """Print a profile as INI (the default profile: the whole file). Secrets are masked.

    Examples:

      blocklet config list

      blocklet config list --profile staging --json
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.config import ini
    from blocklet_cli.core.config.profiles import ConfigFile
    from blocklet_cli.core.errors import NotFoundError

    profile, show_secrets = _opts(ctx, profile, show_secrets)
    ui = UI()
    config = ConfigFile.load()
    if not config.has_profile(profile):
        raise NotFoundError(f"no config found for profile {profile}", location=str(config.path))
    data = config.data if profile == "default" else config.data[profile]
    shown = _masked(data, show_secrets)
    if ui.json_mode:
        ui.result({"path": str(config.path), "profile": profile, "settings": shown})
        return
    ui.verbose(f"config file: {config.path}")
    text = ini.encode(shown)
    if text:
        ui.out(text.rstrip("\n"))
    else:
        ui.info(f"profile {profile} has no settings ({config.path})")


app.command("ls", help="Alias of `list`.\n\nExamples:\n\n  blocklet config ls\n\n"
            "  blocklet config --profile staging ls --json")(list_)


@app.command("get")
def get(ctx: typer.Context, key: Annotated[str, typer.Argument(help="The key to print.")],
        profile: ProfileOption = None, show_secrets: ShowSecrets = False) -> None:
    """Print the value stored for KEY in the profile (exit 4 when it is not set).

    Examples:

      blocklet config get store

      blocklet config get accessToken --show-secrets
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.config.profiles import KEYS, ConfigFile, mask
    from blocklet_cli.core.errors import NotFoundError
    from blocklet_cli.core.settings import resolve

    profile, show_secrets = _opts(ctx, profile, show_secrets)
    ui = UI()
    config = ConfigFile.load()
    value = config.get(key, profile)
    if value is None:
        raise NotFoundError(f"{key} is not set in profile {profile}", location=str(config.path))
    override = resolve(key, use_default=False) if key in KEYS else None  # flag-less: the environment only
    if override is not None and override.source is not None:
        ui.warn(f"{override.source.removeprefix('env:')} is set and overrides this value in commands")
    shown = value if show_secrets else mask(key, value)
    if ui.json_mode:
        ui.result({"profile": profile, "key": key, "value": shown})
        return
    ui.out(str(shown) if not isinstance(shown, bool) else str(shown).lower())


@app.command("set")
def set_(ctx: typer.Context, key: Annotated[str, typer.Argument(help="One of the supported keys.")],
         value: Annotated[str, typer.Argument(help="The value (validated).")],
         profile: ProfileOption = None) -> None:
    """Store VALUE for KEY in the profile (file mode 0600).

    Examples:

      blocklet config set store http://localhost:3000

      blocklet config --profile ci set accessToken 0x…
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.config.profiles import ConfigFile, mask, validate_value

    profile, _ = _opts(ctx, profile)
    ui = UI()
    validate_value(key, value)
    config = ConfigFile.load()
    config.set(key, value, profile)
    config.save()
    if ui.json_mode:
        ui.result({"profile": profile, "key": key, "value": mask(key, value), "path": str(config.path)})
        return
    ui.success(f"config {key} set in profile {profile} ({config.path})")


@app.command("delete")
def delete(ctx: typer.Context, key: Annotated[str, typer.Argument(help="The key to remove.")],
           profile: ProfileOption = None) -> None:
    """Remove KEY from the profile.

    Examples:

      blocklet config delete accessToken

      blocklet config delete store --profile staging
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.config.profiles import ConfigFile

    profile, _ = _opts(ctx, profile)
    ui = UI()
    config = ConfigFile.load()
    removed = config.delete(key, profile)
    if removed:
        config.save()
    if ui.json_mode:
        ui.result({"profile": profile, "key": key, "deleted": removed})
        return
    if removed:
        ui.success(f"config {key} deleted from profile {profile}")
    else:
        ui.info(f"{key} was not set in profile {profile}; nothing to delete")
