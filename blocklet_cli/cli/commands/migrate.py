"""`blocklet migrate`: convert a legacy project (blocklet.json, package.json#blocklet) to blocklet.yml, or bring
the legacy keys of a blocklet.yml up to date (reference: `abtnode blocklet:migrate`, ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/migrate/ in @abtnode/cli 1.7.7; the current reference CLI has no such command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def migrate(
    path: Annotated[Path, typer.Argument(help="Project folder (or its blocklet.yml).")] = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the diff; write nothing.")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="Keep blocklet.json and the `blocklet` field of "
                                                      "package.json.")] = False,
    git_commit: Annotated[bool, typer.Option("--git-commit", help="Commit the change with git.")] = False,
) -> None:
    """Convert a legacy Blocklet project (blocklet.json, package.json#blocklet) to blocklet.yml.

    Writes blocklet.yml from legacy metadata (blocklet.json or the `blocklet` field of package.json), or
    rewrites the legacy keys of a blocklet.yml (children, charging, requirements.abtnode, specVersion).

    Values with no place in today's blocklet.yml are kept as comments and listed as notes. All files are
    written or none; a second run changes nothing.

    Examples:

      blocklet migrate --dry-run

      blocklet migrate path/to/project --git-commit

      blocklet migrate --keep --json
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.project.migrate import apply_migration, plan_migration

    ui = UI()
    result = plan_migration(path, keep=keep)
    if dry_run:
        if not ui.json_mode:
            for line in result.diff().splitlines():
                ui.out(line)
    else:
        apply_migration(result, git_commit=git_commit)
    for note in result.notes:
        ui.text(f"note: {note}")
    if not result.changed:
        ui.success(f"{result.meta_path} is up to date; nothing to migrate")
    elif dry_run:
        ui.info(f"dry run: would {'; '.join(result.changes)}")
    else:
        ui.success(f"Migrated {result.root} ({'; '.join(result.changes)})"
                   + (f"; committed {result.commit[:12]}" if result.commit else ""))
    if ui.json_mode:
        data = result.to_dict()
        data["dryRun"] = dry_run
        if dry_run:
            data["diff"] = result.diff()
        ui.result(data)
