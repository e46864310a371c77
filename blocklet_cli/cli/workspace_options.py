"""The options `--all`, `--filter` and `--jobs` of the project commands, declared without Typer (`cli.params`)
so that a fast-starting command (`validate`) can take them."""

from __future__ import annotations

from typing import Annotated

from blocklet_cli.cli.params import Option

AllOption = Annotated[bool, Option(
    "--all", help="Every blocklet of the workspace (npm/yarn `workspaces`, pnpm-workspace.yaml), in dependency "
                  "order; the folder argument is where the workspace is looked for.")]
FilterOption = Annotated[list[str] | None, Option(
    "--filter", metavar="NAME|GLOB", show_default=False,
    help="Only the workspace blocklets whose name or folder matches (repeatable; implies --all); NAME... adds what "
         "it uses, ...NAME what uses it, ^ leaves NAME out, !NAME excludes (pnpm's selectors).")]
JobsOption = Annotated[int | None, Option(
    "--jobs", "-j", show_default=False,
    help="With --all/--filter: how many blocklets at once when they do not depend on each other (default 4).")]
