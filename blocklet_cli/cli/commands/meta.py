"""`blocklet meta`: print the normalised metadata of a project (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/meta.js, which prints `parse` of blocklet/meta/src/parse.ts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def meta(
    path: Annotated[Path, typer.Argument(help="Project folder or metadata file.")] = Path("."),
    output_format: Annotated[str, typer.Option("--format", help="Output format: json or yaml.",
                                               case_sensitive=False)] = "json",
    legacy: Annotated[bool, typer.Option("--legacy", help="Show what the legacy metadata (blocklet.json, "
                                                           "package.json#blocklet) means today; write nothing.")]
    = False,
) -> None:
    """Print the normalised blocklet metadata (defaults filled, unknown keys dropped).

    Examples:

      blocklet meta

      blocklet meta path/to/project --format yaml

      blocklet meta --legacy path/to/old-project
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.errors import UsageError
    from blocklet_cli.core.project.model import load_project

    ui = UI()
    output_format = "json" if ui.json_mode else output_format.lower()
    if output_format not in ("json", "yaml"):
        raise UsageError(f"unknown format {output_format!r}", hint="use --format json or --format yaml")
    if legacy:
        from blocklet_cli.core.project.migrate import plan_legacy

        result = plan_legacy(path, keep=True)
        for note in result.notes:
            ui.text(f"note: {note}")
        assert result.meta is not None  # plan_legacy sets it or raises MetaError
        data = result.meta
    else:
        project = load_project(path, mode="meta")
        ui.verbose(f"read {project.meta_path}")
        data = project.meta
    if output_format == "yaml":
        from blocklet_cli.core.bundle.metafile import dump_yaml

        typer.echo(dump_yaml(data), nl=False)
    else:
        ui.result(data)
