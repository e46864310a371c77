"""`blocklet check`: what a Blocklet Store or Blocklet Server would refuse after an upload, found offline
(twine's `check`; the rules and their upstream sources are in `blocklet_cli/core/check/project.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from blocklet_cli.cli.options import setting
from blocklet_cli.core.settings import default_sentence

if TYPE_CHECKING:
    from blocklet_cli.core.check import CheckReport

TARGETS = ("store", "server")


def check(
    directory: Annotated[Path, typer.Argument(help="Project folder (default: the current folder).",
                                              metavar="[DIR]")] = Path("."),
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the check too.")] = False,
    target: Annotated[str, typer.Option(
        "--target", help="`store` (default): the store's rules are errors; `server`: only what the bundler "
                         "and Blocklet Server refuse is, the store's rules are warnings.",
        case_sensitive=False)] = "store",
    monorepo: Annotated[bool, typer.Option("--monorepo", help="Use the workspace root's CHANGELOG.md when the "
                                                               "project has none (as `bundle --monorepo`).")] = False,
    store_url: Annotated[str | None, typer.Option(
        "--store-url", help="Default store for components whose source names none "
                            f"{default_sentence('componentStore')}.")] = None,
) -> None:
    """List every problem the store or the server would refuse after upload, offline; exit 3 on any error.

    Checks blocklet.yml (unknown keys with the nearest known one, did matching name), the logo and
    screenshots (formats, pixel sizes, file sizes, count), a static blocklet's main folder and index.html,
    a dapp's main (in .blocklet/bundle when it exists, else the source), CHANGELOG.md headings, and the
    release's size when .blocklet/release exists. Warnings do not fail the check unless --strict.

    Examples:

      blocklet check

      blocklet check path/to/project --json

      blocklet check --strict --target server
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.check import check_project
    from blocklet_cli.core.errors import UsageError

    ui = UI()
    target = target.lower()
    if target not in TARGETS:
        raise UsageError(f"unknown target {target!r}", hint=f"use one of: {', '.join(TARGETS)}")
    store_url = setting("componentStore", store_url, ui=ui).value
    report = check_project(directory, target=target, monorepo=monorepo, default_store_url=store_url)
    if ui.json_mode:
        ui.result({**report.to_dict(), "passed": report.passed(strict=strict), "strict": strict})
    else:
        show_findings(ui, report)
        summary = _summary(report)
        if report.passed(strict=strict):
            ui.success(f"{summary}: ready for the {target}" if not report.findings else summary)
        else:
            ui.error(summary + (" (--strict: warnings fail)" if strict and not report.errors else ""))
    if not report.passed(strict=strict):
        from blocklet_cli.cli.errors import ExitStatus

        raise typer.Exit(int(ExitStatus.INVALID))


def _summary(report: CheckReport) -> str:
    where = ", ".join(f"{what} checked in {place}" for what, place in report.checked.items())
    counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    return f"{counts} (target {report.target}{'; ' + where if where else ''})"


def show_findings(ui, report: CheckReport, *, stderr: bool = False) -> None:
    """One line per finding (on stdout, or stderr when it is not the command's output), its fix below it."""
    write = ui.text if stderr else ui.out
    for finding in report.findings:
        where = f"{finding.where}: " if finding.where else ""
        write(f"{where}{finding.severity}: [{finding.code}] {finding.message}")
        if finding.fix:
            write(f"  fix: {finding.fix}")


def check_enabled(flag: bool | None, ui=None) -> bool:
    """Whether `bundle`/`publish` run the check first: `--check`/`--no-check`, else $BLOCKLET_CHECK."""
    from blocklet_cli.cli.options import bool_setting

    return bool(bool_setting("check", flag, ui=ui).value)


def run_first(ui, project: Path, *, target: str, use_build: bool, release: bool = False,
              monorepo: bool = False, store_url: str | None = None) -> None:
    """The check `bundle` and `publish` run first: warnings are shown, errors are listed and stop the
    command (CheckError, exit 3)."""
    from blocklet_cli.core.check import check_project

    stop_on(ui, check_project(project, target=target, use_build=use_build, release=release, monorepo=monorepo,
                              default_store_url=store_url, raise_unreadable=True))


def stop_on(ui, report: CheckReport) -> None:
    from blocklet_cli.core.errors import CheckError

    if report.errors:
        raise CheckError(f"blocklet check found {len(report.errors)} error(s) (target {report.target})",
                         findings=[f.to_dict() for f in report.findings],
                         hint="fix them (`blocklet check` lists them), or skip the check with --no-check")
    for finding in report.warnings:
        ui.warn(f"{finding.where + ': ' if finding.where else ''}[{finding.code}] {finding.message}")
