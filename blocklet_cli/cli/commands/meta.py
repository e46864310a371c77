"""`blocklet meta`: print the normalised metadata of a project (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/meta.js, which prints `parse` of blocklet/meta/src/parse.ts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from blocklet_cli.cli.params import Argument, Option


def meta(
    path: Annotated[Path, Argument(help="Project folder or metadata file.")] = Path("."),
    output_format: Annotated[str, Option("--format", help="Output format: json or yaml.",
                                         case_sensitive=False)] = "json",
    legacy: Annotated[bool, Option("--legacy", help="Show what the legacy metadata (blocklet.json, "
                                                     "package.json#blocklet) means today; write nothing.")]
    = False,
    composed: Annotated[bool, Option("--composed", help="Resolve the components and show each one's services "
                                                        "merged with its own (as `blocklet dev` runs them).")]
    = False,
    store_url: Annotated[str | None, Option("--store-url", help="With --composed: the store of components "
                                                                 "whose source names none.")] = None,
    offline: Annotated[bool, Option("--offline", help="With --composed: the component cache only.")] = False,
) -> None:
    """Print the normalised blocklet metadata (defaults filled, unknown keys dropped).

    Examples:

      blocklet meta

      blocklet meta path/to/project --format yaml

      blocklet meta --legacy path/to/old-project

      blocklet meta --composed     # components' services merged (parent's first, then their own)
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
        if composed:
            data = _composed(ui, data, Path(project.meta_path).parent, store_url, offline)
    if output_format == "yaml":
        from blocklet_cli.core.bundle.metafile import dump_yaml

        ui.env.stdout.write(dump_yaml(data))
    else:
        ui.result(data)


def _composed(ui, data: dict, project_dir: Path, store_url: str | None, offline: bool) -> dict:
    from blocklet_cli.cli.options import setting
    from blocklet_cli.core.components.resolve import verify_tree
    from blocklet_cli.core.dev.composition import composed_meta, split_entries

    remote, local = split_entries(data, project_dir, {})
    tree = None
    if remote:
        tree = verify_tree({**data, "components": remote}, project_dir=project_dir, offline=offline,
                           default_store=setting("componentStore", store_url, ui=ui).value or None, reporter=ui)
    return composed_meta(data, project_dir, tree, local)
