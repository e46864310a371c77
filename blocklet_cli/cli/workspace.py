"""`--all` / `--filter` / `--jobs` of the project commands (validate, bundle, version, publish, deploy):
run the command's per-blocklet action over a workspace (core/workspace) and render one summary table
on stderr, or one JSON document on stdout (`{"workspace", "kind", "results", "ok"}`).

Exit code: 0 when every blocklet succeeded, else the exit code of the first failed blocklet in the
table's (dependency) order; a skipped blocklet (its component failed) never sets it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.workspace import Action, Workspace, WorkspaceRun

from blocklet_cli.cli.workspace_options import AllOption, FilterOption, JobsOption  # noqa: F401 (re-exported)


def selected(all_: bool, filters: list[str] | None) -> bool:
    """Whether the command runs over the workspace."""
    return all_ or bool(filters)


def load(ui: UI, start: Path, filters: list[str] | None) -> Workspace:
    """The workspace above `start`, its blocklets filtered and in dependency order (said on stderr)."""
    from blocklet_cli.core.workspace import load as load_workspace

    workspace = load_workspace(start, filters)
    names = ", ".join(member.name for member in workspace.members)
    where = f"{workspace.kind} workspace" if workspace.kind else "folder (no workspace above it)"
    ui.info(f"{where} {workspace.root}: {len(workspace.members)} blocklet(s) in dependency order: {names}")
    for member in workspace.members:
        deps = workspace.deps.get(member.rel)
        if deps:
            ui.verbose(f"{member.name} ({member.rel}) comes after {', '.join(deps)}")
    return workspace


def run(ui: UI, workspace: Workspace, action: Action, *, description: str, jobs: int | None = None) -> WorkspaceRun:
    from blocklet_cli.core.workspace import run_action

    if jobs is not None and jobs < 1:
        from blocklet_cli.core.errors import UsageError

        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    return run_action(workspace, action, workers=jobs, reporter=ui, description=description)


def finish(ui: UI, done: WorkspaceRun, *, extra: dict | None = None, urls: bool = False) -> int | None:
    """The summary table (or the JSON document) and the exit code. With `urls`, each blocklet's resulting
    `url` alone on a line of stdout in text mode when stdout is not a terminal (`URLS=$(blocklet deploy --all)`),
    in the table's order."""
    from blocklet_cli.cli.errors import error_lines, exit_status_for
    from blocklet_cli.core.errors import BlockletError

    document = done.to_dict()
    for result, data in zip(done.results, document["results"], strict=True):
        if result.error is not None:
            data["exitCode"] = int(exit_status_for(result.error))
    if extra:
        document.update(extra)
    if ui.json_mode:
        ui.result(document)
    else:
        rows = [(result.member.name, result.member.rel, result.status, f"{result.duration:.1f}s", result.detail)
                for result in done.results]
        ui.table(rows, headers=("blocklet", "folder", "status", "time", "detail"))
        for result in done.results:
            if isinstance(result.error, BlockletError):
                lines = error_lines(result.error)
                ui.error(f"{result.member.name}: {lines[0]}")
                for line in lines[1:]:
                    ui.text(f"  {line}")
        counts = done.counts()
        summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        (ui.success if done.ok else ui.error)(f"{len(done.results)} blocklet(s): {summary}")
        for result in done.results if urls else []:
            if result.status == "ok":
                ui.result_url(result.fields.get("url"))
    failure = done.first_failure
    if failure is not None and failure.error is not None:
        return int(exit_status_for(failure.error))
    return None


def single_start(paths: list[Path] | None) -> Path:
    """The one folder `--all`/`--filter` start from (the current folder by default)."""
    if paths and len(paths) > 1:
        from blocklet_cli.core.errors import UsageError

        raise UsageError("--all and --filter take at most one folder (where to look for the workspace)")
    return paths[0] if paths else Path(".")
