"""`blocklet validate`: check blocklet metadata files and report every problem with its position
(the rules of `@blocklet/meta` 1.17.12: ArcBlock/blocklet-server
blocklet/meta/src/schema.ts, parse.ts, validate.ts; the reference CLI has no `validate` command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from blocklet_cli.cli.options import setting
from blocklet_cli.cli.params import Argument, Option
from blocklet_cli.cli.workspace_options import AllOption, FilterOption, JobsOption
from blocklet_cli.core.settings import default_sentence

ModeOption = Annotated[
    str, Option("--mode", help="Validate as `meta` (default), `bundle`, `dev` or `release` would.",
                case_sensitive=False)]


def validate(
    paths: Annotated[list[Path] | None, Argument(
        help="Project folders or metadata files (a folder without blocklet.yml: every *.yml/*.yaml in it).",
        show_default=False)] = None,
    strict: Annotated[bool, Option("--strict", help="Same as --mode bundle: unknown keys are errors, "
                                                    "files must exist, reserved env names.")] = False,
    mode: ModeOption = "meta",
    store_url: Annotated[str | None, Option(
        "--store-url", help=f"Default store for components without one {default_sentence('componentStore')}.")] = None,
    json_schema: Annotated[bool, Option(
        "--json-schema/--no-json-schema",
        help="Check against the published JSON Schema (schemas/blocklet.schema.json) as well as the rules.")] = True,
    all_: AllOption = False,
    filters: FilterOption = None,
    jobs: JobsOption = None,
) -> int | None:
    """Validate blocklet.yml files and list every problem as file:line:column: pointer: message.

    Without --strict/--mode, what `blocklet bundle` would still refuse (a misspelt key, a missing file) is
    listed as a warning, with the nearest known key. Exit code 0 when all files are valid, 3 when any is not.
    Legacy keys (children, charging, requirements.abtnode, an old specVersion, first-generation keys) are
    explained in notes; `blocklet migrate` rewrites them.

    Examples:

      blocklet validate

      blocklet validate path/to/project other/blocklet.yml --json

      blocklet validate --strict

      blocklet validate --all --json     # every blocklet of the workspace
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.errors import UsageError
    from blocklet_cli.core.meta.api import PARSE_MODES, validate_path, with_bundle_warnings

    ui = UI()
    store_url = setting("componentStore", store_url, ui=ui).value
    mode = "bundle" if strict else mode.lower()
    if mode not in PARSE_MODES:
        raise UsageError(f"unknown mode {mode!r}", hint=f"use one of: {', '.join(PARSE_MODES)}")
    from blocklet_cli.cli import workspace

    if workspace.selected(all_, filters):
        return _validate_workspace(ui, workspace.single_start(paths), filters, jobs, mode=mode, store_url=store_url,
                                   json_schema=json_schema)
    reports = [validate_path(file, mode=mode, default_store_url=store_url, json_schema=json_schema)  # type: ignore[arg-type]
               for file in _meta_files(paths or [Path(".")])]
    if mode == "meta":  # what `bundle` will refuse, as warnings (`--strict` makes them errors)
        reports = [with_bundle_warnings(r, default_store_url=store_url, json_schema=json_schema)
                   if r.issues == [] or r.issues[0].rule != "yaml" else r for r in reports]
    invalid = [r for r in reports if not r.valid]
    legacy = {report.path: _legacy_keys(report.path) for report in reports}
    warnings = sum(len(r.warnings) for r in reports)
    if ui.json_mode:
        ui.result({"results": [{**r.to_dict(), "legacy": [k.to_dict() for k in legacy[r.path]]} for r in reports]})
    else:
        for report in reports:
            _print_report(ui, report, legacy[report.path])
        problems = sum(len(r.issues) for r in invalid)
        if invalid:
            ui.error(f"{len(invalid)} of {len(reports)} file(s) invalid, {problems} problem(s) (mode {mode})")
        else:
            ui.success(f"{len(reports)} file(s) valid (mode {mode})")
        if warnings:
            ui.warn(f"{warnings} warning(s): `blocklet bundle` will refuse the file(s) until they are fixed "
                    "(--strict makes them errors)")
    if invalid:
        from blocklet_cli.cli.errors import ExitStatus

        return int(ExitStatus.INVALID)
    return None


def _validate_workspace(ui, start: Path, filters, jobs, *, mode: str, store_url, json_schema: bool) -> int | None:
    """`--all`/`--filter`: each blocklet's metadata file, one result per blocklet (the problems are in
    its `error` in --json, listed before the table in text)."""
    from blocklet_cli.cli import workspace
    from blocklet_cli.core.errors import MetaError
    from blocklet_cli.core.meta.api import validate_path, with_bundle_warnings

    reports: dict = {}

    def action(member, reporter) -> dict:
        report = validate_path(member.meta_file, mode=mode, default_store_url=store_url,  # type: ignore[arg-type]
                               json_schema=json_schema)
        if mode == "meta" and (report.issues == [] or report.issues[0].rule != "yaml"):
            report = with_bundle_warnings(report, default_store_url=store_url, json_schema=json_schema)
        reports[member.rel] = report
        if not report.valid:
            first = report.issues[0]
            raise MetaError(f"{len(report.issues)} problem(s), the first: {first.pointer or '/'}: {first.message}",
                            issues=report.issues, path=str(report.path))
        warned = f", {len(report.warnings)} warning(s) (`blocklet bundle` refuses them)" if report.warnings else ""
        return {"detail": f"valid (mode {mode}){warned}", "file": str(report.path),
                "warnings": [issue.to_dict() for issue in report.warnings]}

    found = workspace.load(ui, start, filters)
    done = workspace.run(ui, found, action, description=f"Validating {len(found.members)} blocklet(s)", jobs=jobs)
    if not ui.json_mode:  # the lines `validate FILE` prints, blocklet by blocklet
        for member in found.members:
            report = reports.get(member.rel)
            if report is not None:
                _print_report(ui, report, _legacy_keys(report.path))
    return workspace.finish(ui, done, extra={"mode": mode})


def _print_report(ui, report, legacy: list) -> None:
    """A file's problems, warnings and legacy-key notes on stdout, one per line with its position."""
    for issue in report.issues:
        ui.out(f"{_where(report.path, issue)}: {issue.pointer or '/'}: {issue.message}")
    for issue in report.warnings:
        ui.out(f"{_where(report.path, issue)}: warning: {issue.pointer or '/'}: {issue.message} "
               "(`blocklet bundle` refuses this)")
    for key in legacy:
        ui.out(f"{_where(report.path, key)}: {key.pointer}: note: {key.message}")


def _legacy_keys(path: Path) -> list:
    """The legacy keys of a readable metadata file, each with what replaces it (none for unreadable files)."""
    from blocklet_cli.core.errors import BlockletError
    from blocklet_cli.core.meta.api import load_meta
    from blocklet_cli.core.meta.legacy import legacy_keys

    try:
        document = load_meta(path)
    except BlockletError:
        return []
    return legacy_keys(document.data, document.positions)


def _where(path: Path, issue) -> str:
    return f"{path}:{issue.line}:{issue.column}" if issue.line else str(path)


def _meta_files(paths: list[Path]) -> list[Path]:
    """Each argument as metadata files: a project folder, a file, or a folder of metadata files."""
    from blocklet_cli.core.errors import NotFoundError
    from blocklet_cli.core.meta.api import META_FILE_NAMES
    from blocklet_cli.core.meta.legacy import legacy_project_error, legacy_sources

    files: list[Path] = []
    for path in paths:
        if path.is_dir() and not any((path / name).is_file() for name in META_FILE_NAMES):
            sources = legacy_sources(path)
            if sources:
                raise legacy_project_error(path, sources)
            found = sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
            if not found:
                raise NotFoundError(f"no blocklet.yml or blocklet.yaml found in {path}")
            files.extend(found)
        elif path.is_dir() or path.is_file():
            files.append(path)
        else:
            raise NotFoundError(f"{path} does not exist")
    return files
