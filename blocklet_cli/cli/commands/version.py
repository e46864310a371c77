"""`blocklet version`: bump the version in blocklet.yml (and package.json) in place (reference:
ArcBlock/blocklet-server core/cli/lib/commands/blocklet/version.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blocklet_cli.cli.options import ForceOption
from blocklet_cli.cli.workspace import AllOption, FilterOption, JobsOption


def version(
    new_version: Annotated[str, typer.Argument(
        metavar="[NEW]", help="A version (1.2.3, v1.2.3) or major, minor, patch, premajor, preminor, prepatch, "
                              "prerelease.")] = "patch",
    preid: Annotated[str | None, typer.Option("--preid", help="Prerelease identifier for pre* (e.g. beta).")] = None,
    project: Annotated[Path, typer.Option("--project", "-p", help="Project folder or meta file.")] = Path("."),
    package_json: Annotated[bool, typer.Option("--package-json/--no-package-json",
                                               help="Also update package.json's version when it exists.")] = True,
    git_commit: Annotated[bool, typer.Option("--git-commit", help="Commit the changed files as v<version>.")] = False,
    git_tag: Annotated[bool, typer.Option("--git-tag", help="Also tag the commit v<version> (implies "
                                          "--git-commit).")] = False,
    force: ForceOption = False,
    all_: AllOption = False,
    filters: FilterOption = None,
    sync: Annotated[bool, typer.Option(
        "--sync", help="With --all/--filter: give every blocklet one version, the highest current one bumped (or "
                       "NEW when it is a version).")] = False,
    jobs: JobsOption = None,
) -> int | None:
    """Set the version of the Blocklet in this folder; only that value changes in blocklet.yml.

    Comments, quoting and key order are kept byte for byte. Downgrades and the same version are
    refused without --force.

    Examples:

      blocklet version                 # patch: 1.2.3 -> 1.2.4

      blocklet version minor --git-tag

      blocklet version prerelease --preid beta --json

      blocklet version 2.0.0 --no-package-json

      blocklet version patch --all             # every blocklet of the workspace

      blocklet version minor --all --sync      # all to one version
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.project.version import bump

    ui = UI()
    from blocklet_cli.cli import workspace

    if workspace.selected(all_, filters):
        return _version_workspace(ui, project, filters, jobs, new_version, preid=preid, force=force,
                                  package_json=package_json, sync=sync, git_commit=git_commit, git_tag=git_tag)
    if sync:
        from blocklet_cli.core.errors import UsageError

        raise UsageError("--sync goes with --all or --filter (one version across the workspace's blocklets)")
    result = bump(project, new_version, preid=preid, force=force, package_json=package_json,
                  git_commit=git_commit or git_tag, git_tag=git_tag, reporter=ui)
    if ui.json_mode:
        ui.result(result)
        return None
    ui.success(f"Blocklet version bumped from {result.previous or '(none)'} to {result.version}")
    if result.files:
        ui.info("Updated: " + ", ".join(path.name for path in result.files))
    if result.commit:
        tagged = f", tagged {result.tag}" if result.tag else ""
        ui.info(f"Committed {result.commit[:12]} (v{result.version}){tagged}")
    elif result.tag:
        ui.info(f"Tagged {result.tag}")
    return None


def _version_workspace(ui, start: Path, filters, jobs, spec: str, *, preid, force: bool, package_json: bool,
                       sync: bool, git_commit: bool, git_tag: bool) -> int | None:
    """`--all`/`--filter`: bump each blocklet (with --sync, all to one version); with --git-commit one commit
    of every file written (`v<version>` with --sync), with --git-tag (needs --sync) the tag `v<version>`."""
    from blocklet_cli.cli import workspace
    from blocklet_cli.core.workspace import versions

    found = workspace.load(ui, start, filters)
    target = versions.sync_target(found.members, spec, preid) if sync else None
    if target is not None:
        ui.info(f"one version for {len(found.members)} blocklet(s): {target}")
    plan = (versions.plan_commit(found.members, sync_to=target, tag=git_tag, package_json=package_json)
            if git_commit or git_tag else None)
    action = versions.bump_action(spec, preid=preid, force=force, package_json=package_json, sync_to=target)
    done = workspace.run(ui, found, action, description=f"Versioning {len(found.members)} blocklet(s)", jobs=jobs)
    committed = versions.commit(plan, done.results) if plan is not None else {"commit": None, "tag": None}
    if committed["commit"] and not ui.json_mode:
        tagged = f", tagged {committed['tag']}" if committed["tag"] else ""
        ui.info(f"Committed {committed['commit'][:12]}{tagged}")
    return workspace.finish(ui, done, extra={"sync": target, **committed})
