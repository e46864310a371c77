"""`blocklet add`: resolve a component and add it to blocklet.yml (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/add.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blocklet_cli.cli.options import ProfileOption, profile_name
from blocklet_cli.core.settings import precedence


def add(
    component: Annotated[str, typer.Argument(
        help="NAME, NAME@latest, NAME@x.y.z, or the URL of a blocklet.json (http(s)://, file:).")],
    store: Annotated[list[str] | None, typer.Option(
        "--store", help="Store to look NAME up in; repeat for fallbacks, tried in order "
        f"(default: {precedence('store').split(', then ', 1)[1]}).")] = None,
    mount_point: Annotated[str | None, typer.Option(
        "--mount-point", help="Where the component is mounted (default: /NAME).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: the component's own).")] = None,
    offline: Annotated[bool, typer.Option(
        "--offline", help="Resolve from the cache of earlier answers only (no network).")] = False,
    project: Annotated[Path, typer.Option("--project", "-p", help="Project folder or meta file.")] = Path("."),
    profile: ProfileOption = None,
) -> None:
    """Add a component to blocklet.yml after resolving it and verifying the whole component tree.

    The file is edited in place: comments, key order and formatting are kept.

    Examples:

      blocklet add static-demo

      blocklet add static-demo@1.3.0 --mount-point /docs --title Docs

      blocklet add my-comp --store https://store.example.com --store https://mirror.example.com

      blocklet add https://example.com/releases/blocklet.json
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.components.add import add_to_project, parse_spec

    ui = UI()
    parse_spec(component)  # a bad argument fails before anything else
    stores = list(store or []) or [_default_store(profile_name(profile, ui), ui)]
    result = add_to_project(project, component, stores=stores, mount_point=mount_point, title=title,
                            offline=offline, reporter=ui)
    if result.status == "exists":
        ui.success(f"Component {result.component.get('name')} already exists in {result.file}")
    else:
        tree = result.tree
        assert tree is not None  # an added component comes with its verified tree
        for node in tree.walk():
            for skipped in node.skipped:
                ui.warn(f"{node.name}: skipped {skipped.url}: {skipped.reason}")
        for warning in result.warnings:
            ui.warn(warning)
        where = " (offline, from cache)" if tree.offline else ""
        ui.success(f"Blocklet components verify success! {tree.count} component(s) in {tree.elapsed:.2f}s{where}")
        ui.success(f"Component {result.component['name']} was successfully added at "
                   f"{result.component['mountPoint']} to {result.file}")
    if ui.json_mode:
        ui.result(result)


def _default_store(profile: str, ui) -> str:
    from blocklet_cli.core.components.resolve import DEFAULT_STORE
    from blocklet_cli.core.config.profiles import resolve

    found = resolve("store", profile)
    ui.verbose(found.describe())
    return found.value or DEFAULT_STORE
