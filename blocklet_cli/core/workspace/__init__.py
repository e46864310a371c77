"""Workspaces (monorepos): one command over many blocklets (`--all`, `--filter`).

`load(start, filters)` finds the workspace root above `start` the way npm, pnpm and yarn do
(core/project/workspace.py; without one, `start` itself is the root), discovers every blocklet under
it (`discover`), keeps the `--filter`ed ones (`filters`: names, folders, globs and pnpm's `NAME...` /
`...NAME` graph selectors) and puts them in dependency order (`order`: a blocklet
listing another as a component comes after it; a cycle is an error). `run_action(workspace, action)`
runs the command's per-blocklet `action` on them (`runner`: in parallel where independent, dependents of
a failure skipped) and returns a `WorkspaceRun` (one result per blocklet). Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core.errors import NotFoundError
from blocklet_cli.core.report import NULL_REPORTER, Reporter
from blocklet_cli.core.workspace.discover import Member, discover, matches
from blocklet_cli.core.workspace.filters import select
from blocklet_cli.core.workspace.order import dependencies, ordered
from blocklet_cli.core.workspace.runner import Action, MemberReporter, MemberResult, WorkspaceRun, default_workers, run


@dataclass
class Workspace:
    """The selected blocklets of a workspace, in dependency order."""

    root: Path
    kind: str | None  # "pnpm", "npm" (package.json `workspaces`: npm, yarn, bun) or None (a plain folder)
    members: list[Member]
    deps: dict[str, list[str]] = field(default_factory=dict)  # folder -> folders of the members it lists

    def to_dict(self) -> dict:
        return {"workspace": str(self.root), "kind": self.kind,
                "blocklets": [{**member.to_dict(), "dependsOn": self.deps.get(member.rel, [])}
                              for member in self.members]}


def load(start: Path, filters: list[str] | None = None) -> Workspace:
    """The workspace `start` is in (or `start` as a plain folder of blocklets), its blocklets filtered
    and ordered. Raises NotFoundError when there is no blocklet, UsageError for a filter matching none,
    ComponentError for a cycle."""
    from blocklet_cli.core.project.workspace import find_workspace

    start = Path(start).absolute()
    if not start.is_dir():
        raise NotFoundError(f"{start} is not a folder", hint="--all and --filter start from a folder")
    found = find_workspace(start)
    root, kind = (found.path, found.kind) if found is not None else (start, None)
    members = discover(root)
    if not members:
        raise NotFoundError(f"no blocklet.yml found under {root}",
                            hint="a workspace's blocklets are the folders holding a blocklet.yml "
                                 "(.gitignore and .blockletignore are honoured)")
    graph = dependencies(members)
    chosen = select(members, filters, graph)
    kept = {member.rel for member in chosen}
    deps = {member.rel: [rel for rel in graph[member.rel] if rel in kept] for member in chosen}
    return Workspace(root=root, kind=kind, members=ordered(chosen, deps), deps=deps)


def run_action(workspace: Workspace, action: Action, *, workers: int | None = None,
               reporter: Reporter = NULL_REPORTER, description: str = "Working") -> WorkspaceRun:
    """`action(member, reporter)` on every blocklet of `workspace` (see `runner.run`)."""
    results = run(workspace.members, workspace.deps, action, workers=workers, reporter=reporter,
                  description=description)
    return WorkspaceRun(root=workspace.root, kind=workspace.kind, results=results)


__all__ = ["Action", "Member", "MemberReporter", "MemberResult", "Workspace", "WorkspaceRun", "default_workers",
           "dependencies", "discover", "load", "matches", "ordered", "run_action", "select"]
