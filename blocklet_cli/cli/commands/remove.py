"""`blocklet remove`: remove a component from blocklet.yml (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/remove.js). No network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def remove(
    name: Annotated[str, typer.Argument(help="Name of the component, as listed in blocklet.yml.")],
    project: Annotated[Path, typer.Option("--project", "-p", help="Project folder or meta file.")] = Path("."),
) -> None:
    """Remove the component NAME from blocklet.yml, keeping every comment and the formatting.

    Examples:

      blocklet remove static-demo

      blocklet remove static-demo --project ../my-app --json
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.components.add import remove_from_project

    ui = UI()
    result = remove_from_project(project, name)
    ui.success(f"Component {result.name} was successfully removed from {result.file}")
    if ui.json_mode:
        ui.result(result)
