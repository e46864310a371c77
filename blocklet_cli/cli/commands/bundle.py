"""`blocklet bundle`: build `.blocklet/bundle/` and, with --create-release, `.blocklet/release/`
(reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from blocklet_cli.cli.options import setting
from blocklet_cli.cli.workspace import AllOption, FilterOption, JobsOption
from blocklet_cli.core.settings import default_sentence

if TYPE_CHECKING:
    from blocklet_cli.core.bundle.builder import BundleMode

TABLE_LIMIT = 40


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1000
    return f"{size}B"


def bundle(
    project: Annotated[Path, typer.Argument(help="Project folder (default: the current folder).")] = Path("."),
    create_release: Annotated[bool, typer.Option("--create-release", help="Also build .blocklet/release (tarball + blocklet.json).")] = False,  # noqa: E501
    create_archive: Annotated[bool, typer.Option("--create-archive", help="With --create-release: zip blocklet.json and the tarball into .blocklet/<title>-<version>.zip.")] = False,  # noqa: E501
    simple: Annotated[bool, typer.Option("--simple", help="Simple mode: no blocklet.zip, no dependencies.")] = False,
    zip_mode: Annotated[bool, typer.Option("--zip/--no-zip", help="Zip mode for dapps (default): code and production dependencies in blocklet.zip.")] = True,  # noqa: E501
    compact: Annotated[bool, typer.Option("--compact", help="Compact mode: bundle the server side into one file (blocklet-compact.js) with esbuild.")] = False,  # noqa: E501
    minify: Annotated[bool, typer.Option("--minify/--no-minify", help="Compact mode: minify blocklet-compact.js.")] = True,  # noqa: E501
    source_map: Annotated[bool, typer.Option("--source-map", help="Compact mode: write blocklet-compact.js.map.")] = False,  # noqa: E501
    nosources_source_map: Annotated[bool, typer.Option("--nosources-source-map", help="Compact mode: a source map without the sources.")] = False,  # noqa: E501
    dependencies_depth: Annotated[int, typer.Option("--dependencies-depth", min=0, help="Compact mode: parent folders searched for node_modules/<external> versions.")] = 9,  # noqa: E501
    ship_externals: Annotated[bool, typer.Option("--ship-externals/--no-ship-externals", help="Compact mode: also ship the installed externals (traced, with native binaries) in blocklet.zip, for servers that cannot install them from the registry (by default the server installs them, as with the reference).")] = False,  # noqa: E501
    fetch_bundler: Annotated[bool, typer.Option("--fetch-bundler/--no-fetch-bundler", help="Compact mode: when the project has no esbuild, fetch the pinned one with npm into the cache.")] = True,  # noqa: E501
    store_url: Annotated[str | None, typer.Option(
        "--store-url", help=f"Default store for components without source.store {default_sentence('componentStore')}.")] = None,  # noqa: E501
    changelog: Annotated[bool, typer.Option("--changelog/--no-changelog", help="Include CHANGELOG.md.")] = True,
    monorepo: Annotated[bool, typer.Option("--monorepo", help="Use the workspace root's CHANGELOG.md and paths relative to it.")] = False,  # noqa: E501
    copy: Annotated[bool, typer.Option("--copy", help="Copy project files into the bundle instead of hard-linking them.")] = False,  # noqa: E501
    skip_components: Annotated[bool, typer.Option("--skip-components-check", help="Do not fetch and verify component metadata (offline).")] = False,  # noqa: E501
    check: Annotated[bool | None, typer.Option("--check/--no-check", help=f"Run `blocklet check` first (the store's rules as warnings) and stop on its errors; --no-check skips it {default_sentence('check')}.", show_default=False)] = None,  # noqa: E501
    external: Annotated[list[str] | None, typer.Option("--external", help="Leave package NAME out of blocklet.zip (zip mode) or blocklet-compact.js (compact mode, where sqlite3, sharp, @abtnode/models and ws always are) for the server to install (repeatable, comma-separated; * = every dependency).", metavar="NAME")] = None,  # noqa: E501
    all_: AllOption = False,
    filters: FilterOption = None,
    jobs: JobsOption = None,
) -> int | None:
    """Bundle the blocklet in PROJECT into .blocklet/bundle (and a release with --create-release).

    Examples:

      blocklet bundle

      blocklet bundle --create-release

      blocklet bundle --simple --create-release --create-archive

      blocklet bundle --external sqlite3,sharp

      blocklet bundle --no-check --create-release

      blocklet bundle --compact --create-release --external sharp,canvas

      SOURCE_DATE_EPOCH=1700000000 blocklet bundle --create-release --json

      blocklet bundle --all --create-release      # every blocklet of the workspace
    """
    from blocklet_cli.cli.commands.check import check_enabled, run_first
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.bundle import CompactOptions, build_bundle
    from blocklet_cli.core.bundle.compact import split_externals

    ui = UI()
    store_url = setting("componentStore", store_url, ui=ui).value
    checking = check_enabled(check, ui)
    mode: BundleMode | None = "compact" if compact else "simple" if simple or not zip_mode else None
    externals = split_externals(external)
    options = CompactOptions(externals=externals, minify=minify, source_map=source_map,
                             nosources_source_map=nosources_source_map, dependencies_depth=dependencies_depth,
                             ship_externals=ship_externals, fetch_bundler=fetch_bundler)

    def build(folder: Path, reporter):
        if checking:  # what the server would refuse stops here; the store's rules are warnings
            run_first(reporter, folder, target="server", use_build=False, monorepo=monorepo, store_url=store_url)
        return build_bundle(folder, create_release=create_release, create_archive=create_archive and create_release,
                            mode=mode, changelog=changelog, monorepo=monorepo, store_url=store_url,
                            verify_components=not skip_components, link=not copy, reporter=reporter,
                            externals=[] if compact else externals, compact=options)

    from blocklet_cli.cli import workspace

    if workspace.selected(all_, filters):
        return _bundle_workspace(ui, project, filters, jobs, build)
    result = build(project, ui)
    for warning in result.warnings:
        ui.warn(warning)
    _report_trace(ui, result)
    for item in result.excluded:
        ui.verbose(f"not bundled: {item.path} ({item.reason})")
    if result.excluded:
        ui.info(f"{len(result.excluded)} file(s) left out (secrets, junk, .blockletignore): "
                "--verbose or --json lists each with its reason (see docs/never-bundled.md)")
    if ui.json_mode:
        ui.result(result.to_dict())
        return None
    ui.success(f"Blocklet {result.name}@{result.version} bundled in {result.mode} mode: {result.bundle_dir}")
    shown = result.files if len(result.files) <= TABLE_LIMIT else sorted(
        result.files, key=lambda item: -item[1])[:TABLE_LIMIT]
    rows = [(_human(size), path) for path, size in sorted(shown)]
    if len(shown) < len(result.files):
        rows.append(("…", f"{len(result.files) - len(shown)} smaller files not shown (--json lists all)"))
    rows.append((_human(result.total_size), f"total: {len(result.files)} files"))
    ui.table(rows, headers=("size", "bundle file"))
    if result.release:
        built = result.release
        ui.success(f"Release tarball: {built.tarball}")
        ui.success(f"Release meta: {built.meta_path}")
        ui.table([("tarball size", _human(built.size)), ("unpacked size", _human(built.unpacked_size)),
                  ("integrity", built.integrity[:20] + "…" + built.integrity[-12:]),
                  ("total files", str(len(built.files)))])
        if built.archive:
            ui.success(f"Archive: {built.archive} ({built.archive.stat().st_size / 1024:.1f} KB)")
    return None


def _bundle_workspace(ui, start: Path, filters, jobs, build) -> int | None:
    """`--all`/`--filter`: bundle each blocklet (components first), one result per blocklet."""
    from blocklet_cli.cli import workspace

    def action(member, reporter) -> dict:
        result = build(member.folder, reporter)
        for warning in result.warnings:
            reporter.warn(warning)
        released = f", release {_human(result.release.size)}" if result.release else ""
        return {"detail": f"{result.version}, {result.mode} mode, {len(result.files)} files, "
                          f"{_human(result.total_size)}{released}",
                "version": result.version, "mode": result.mode, "path": str(result.bundle_dir),
                "release": str(result.release_meta_path) if result.release else None,
                "tarball": str(result.tarball) if result.tarball else None, "files": len(result.files),
                "size": result.total_size}

    found = workspace.load(ui, start, filters)
    done = workspace.run(ui, found, action, description=f"Bundling {len(found.members)} blocklet(s)", jobs=jobs)
    return workspace.finish(ui, done)


def _report_trace(ui, result) -> None:
    """Zip mode's tracer: externals always, the rest with --verbose (all of it is in --json)."""
    summary = result.trace_summary()
    if summary is None:
        return
    for name, version in summary["externals"].items():
        ui.info(f"external (installed by the server): {name}@{version}")
    for item in summary["nonLiteral"]:
        where = f"{item['file']}:{item['line']}"
        shipped = f"whole package {item['package']} shipped" if item["package"] else "all app code traced"
        ui.verbose(f"{where}: {item['message']} ({shipped})")
    for item in summary["unresolved"]:
        ui.verbose(f"{item['file']}:{item['line']}: {item['message']} (not in the bundle)")
    for item in summary["packages"]:
        why = f" — whole package: {item['whole']}" if item["whole"] else ""
        ui.verbose(f"package {item['name']}@{item['version']}: {item['files']} files{why}")
