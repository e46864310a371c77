"""`blocklet publish` (alias `upload`): sign a release and send it to a store (reference:
ArcBlock/blocklet-server core/cli/lib/commands/blocklet/upload.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blocklet_cli.cli.options import ForceOption, ProfileOption, profile_name, setting
from blocklet_cli.cli.workspace import AllOption, FilterOption, JobsOption
from blocklet_cli.core.settings import default_sentence


def publish(
    metafile: Annotated[Path | None, typer.Argument(
        help="The release metadata (default .blocklet/release/blocklet.json; built first when missing).",
        show_default=False)] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help="Store: http(s) URL, or a folder / file:// URL for a static file store "
                        f"{default_sentence('store')}.")] = None,
    access_token: Annotated[str | None, typer.Option(
        "--access-token", help="Secret key to sign with; prefer the variable or a file (a flag shows in `ps`) "
                               f"{default_sentence('accessToken')}.",
        show_default=False)] = None,
    access_token_file: Annotated[str | None, typer.Option(
        "--access-token-file", metavar="PATH", show_default=False,
        help="Read the access token from this file (- reads stdin) "
             f"{default_sentence('accessTokenFile')}.")] = None,
    skip_existing: Annotated[bool, typer.Option(
        "--skip-existing", show_default=False,
        help="A version already on the store is skipped (exit 0), not an error (exit 14) "
             f"{default_sentence('skipExisting')}.")] = False,
    profile: ProfileOption = None,
    force: ForceOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Sign and show what would be sent; send nothing.")] = False,
    check: Annotated[bool | None, typer.Option(
        "--check/--no-check", help="Run `blocklet check` on the project and the release first and stop on its "
                                   f"errors; --no-check skips it {default_sentence('check')}.",
        show_default=False)] = None,
    all_: AllOption = False,
    filters: FilterOption = None,
    jobs: JobsOption = None,
) -> int | None:
    """Sign a release and publish it to a Blocklet Store or a static file store.

    A version already on the store exits with 14 (checked with one request before the upload), or is
    skipped with --skip-existing. In text mode with stdout not a terminal, the release's metadata URL is
    printed alone on stdout; everything else goes to stderr.

    Examples:

      blocklet publish --store ./my-store          # a folder: no account needed

      blocklet publish --store https://store.blocklet.dev

      blocklet publish --skip-existing --access-token-file token.txt   # in CI: rerunnable

      blocklet publish .blocklet/release/blocklet.json --dry-run --json

      blocklet publish --all --store ./my-store    # every blocklet of the workspace, components first

      blocklet publish --no-check --store ./my-store
    """
    from blocklet_cli.cli.credentials import resolve_secret
    from blocklet_cli.cli.options import bool_setting
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.config import profiles as config
    from blocklet_cli.core.errors import AlreadyPublishedError
    from blocklet_cli.core.store import publish as core

    ui = UI()
    skip = bool_setting("skipExisting", skip_existing or None, ui=ui)
    profile = profile_name(profile, ui)
    target = config.resolve("store", profile, store)
    ui.verbose(target.describe())
    if target.value is None:
        from blocklet_cli.core.errors import UsageError

        raise UsageError(f"no store configured for profile {profile}",
                         hint="pass --store, set BLOCKLET_STORE or `blocklet config set store <url>`")
    store_value = core.store_target(target.value)
    token = resolve_secret("accessToken", access_token, "accessTokenFile", access_token_file, ui, profile=profile,
                           what="access token")
    checking = _check_enabled(check, ui)
    check_target = "store" if store_value.lower().startswith(("http://", "https://")) else "server"  # file store
    from blocklet_cli.cli import workspace

    if workspace.selected(all_, filters):
        return _publish_workspace(ui, metafile, filters, jobs, store=store_value, token=token, force=force,
                                  dry_run=dry_run, skip=skip.value, check_target=check_target if checking else None)
    if checking:
        _check_project(ui, metafile, check_target)
    release_path = _release_path(metafile, ui)
    release = core.load_release(release_path)  # its own errors first: unreadable metadata, no tarball
    if checking:  # then what the store refuses in the release itself (its size), before any request
        from blocklet_cli.cli.commands.check import stop_on
        from blocklet_cli.core.check import check_release

        stop_on(ui, check_release(release_path, target=check_target))
    ui.info(f"Publishing {release.title} {release.meta['version']} to {store_value} (profile {profile})")

    from blocklet_cli.core import http

    try:
        with http.client(timeout=core_timeout()) as client:
            plan = core.plan(release, store_value, token=token.value, token_source=token.source, client=client,
                             force=force, reporter=ui)
            signature = plan.signed_meta["signatures"][0]["sig"]
            ui.success(f"signed by {plan.signer} with the {plan.signer_source}: {signature}")
            if dry_run:
                _show_dry_run(ui, plan)
                return None
            result = core.execute(plan, client=client, force=force, reporter=ui)
    except AlreadyPublishedError as exc:
        if not skip.value:
            raise
        _show_skipped(ui, core.skipped(release, store_value, exc, dry_run=dry_run))
        return None
    if ui.json_mode:
        ui.result(result)
        return None
    _show_result(ui, plan, result.outcome)
    ui.info(f"Release metadata: {result.url}")
    ui.result_url(result.url)
    return None


def core_timeout() -> float:
    """BLOCKLET_HTTP_TIMEOUT when set (so a hung store fails fast in CI), else the reference's 30 minutes."""
    from blocklet_cli.core.settings import resolve
    from blocklet_cli.core.store.upload import UPLOAD_TIMEOUT

    if resolve("httpTimeout", use_default=False).source is not None:
        from blocklet_cli.core.http import default_timeout

        return default_timeout()
    return UPLOAD_TIMEOUT


def _check_enabled(flag: bool | None, ui) -> bool:
    from blocklet_cli.cli.commands.check import check_enabled

    return check_enabled(flag, ui)


def _check_project(ui, metafile: Path | None, target: str) -> None:
    """`blocklet check` on the project the release comes from: this folder, or the project of a
    `<project>/.blocklet/release/blocklet.json` given as METAFILE (another release: its own checks only)."""
    from blocklet_cli.cli.commands.check import run_first
    from blocklet_cli.core.meta.api import META_FILE_NAMES

    project = Path.cwd()
    if metafile is not None:
        parts = metafile.absolute().parts
        if parts[-3:] != (".blocklet", "release", "blocklet.json"):
            return
        project = Path(*parts[:-3])
    if any((project / name).is_file() for name in META_FILE_NAMES):
        run_first(ui, project, target=target, use_build=True,
                  store_url=setting("componentStore", None, ui=ui).value)


def _release_path(metafile: Path | None, ui) -> Path:
    """The release metadata; the default one is built first when it is missing or stale (the project's
    version or files are newer), as `deploy` does."""
    if metafile is not None:
        return metafile
    return _fresh_release(Path.cwd(), ui, spinner=ui.spinner)


def _fresh_release(project: Path, reporter, spinner=None) -> Path:
    """`project`'s default release metadata, built first (with COMPONENT_STORE_URL for components without
    a store) when it is missing or stale."""
    from blocklet_cli.core.bundle.release import stale_reason
    from blocklet_cli.core.settings import resolve
    from blocklet_cli.core.store.publish import DEFAULT_METAFILE

    path = project / DEFAULT_METAFILE
    reason = stale_reason(project, path) if path.exists() else "no release yet"
    if reason is None:
        return path
    try:
        from blocklet_cli.core.bundle import build_bundle
    except ImportError:
        return path  # load_release explains how to build it
    reporter.info(f"{reason}: building the release (blocklet bundle --create-release)")
    from contextlib import nullcontext

    with spinner("Bundling") if spinner is not None else nullcontext():
        build_bundle(project, create_release=True, store_url=resolve("componentStore").value)
    return path


def _publish_workspace(ui, start: Path | None, filters, jobs, *, store: str, token, force: bool,
                       dry_run: bool, skip: bool = False, check_target: str | None = None) -> int | None:
    """`--all`/`--filter`: build each blocklet's release when needed and publish it (components first, so a
    blocklet's bundle finds the components it lists in the store); with `check_target`, `blocklet check` on
    each project and release first (its errors fail that blocklet)."""
    from blocklet_cli.cli import workspace
    from blocklet_cli.core import http
    from blocklet_cli.core.errors import AlreadyPublishedError, UsageError
    from blocklet_cli.core.store import publish as core

    if start is not None and not start.is_dir():
        raise UsageError(f"with --all or --filter the argument is the folder to start from, not {start}")

    component_store = setting("componentStore", None, ui=ui).value

    def action(member, reporter) -> dict:
        if check_target is not None:
            from blocklet_cli.cli.commands.check import stop_on
            from blocklet_cli.core.check import check_project

            stop_on(reporter, check_project(member.folder, target=check_target, use_build=True,
                                            default_store_url=component_store, raise_unreadable=True))
        release_path = _fresh_release(member.folder, reporter)
        if check_target is not None:
            from blocklet_cli.core.check import check_release

            stop_on(reporter, check_release(release_path, target=check_target))
        release = core.load_release(release_path)
        try:
            with http.client(timeout=core_timeout()) as client:
                plan = core.plan(release, store, token=token.value, token_source=token.source, client=client,
                                 force=force, reporter=reporter)
                if dry_run:
                    return {"detail": f"{release.meta['version']} signed, nothing sent (dry run)",
                            **plan.to_dict(), "dryRun": True}
                result = core.execute(plan, client=client, force=force, reporter=reporter)
        except AlreadyPublishedError as exc:
            if not skip:
                raise
            return {"detail": f"{release.meta['version']} already on the store: skipped (--skip-existing)",
                    **core.skipped(release, store, exc, dry_run=dry_run)}
        return {"detail": f"{release.meta['version']} published", **result.to_dict()}

    found = workspace.load(ui, start or Path("."), filters)
    done = workspace.run(ui, found, action, description=f"Publishing {len(found.members)} blocklet(s)", jobs=jobs)
    return workspace.finish(ui, done, extra={"store": store}, urls=True)


def _show_dry_run(ui, plan) -> None:
    data = plan.to_dict()
    if ui.json_mode:
        ui.result({**data, "dryRun": True, "meta": plan.signed_meta})
        return
    if plan.file_store:
        ui.info(f"would write {plan.signed_meta['did']}/{plan.signed_meta['version']} into the file store "
                f"{plan.store}")
    else:
        request = data["request"]
        ui.info(f"would POST {request['url']}")
        for name, value in request["headers"].items():
            ui.text(f"  header {name}: {value}")
        for name, part in request["parts"].items():
            described = (f"{part['filename']} ({part['contentType']}, {part['size']} bytes)"
                         if isinstance(part, dict) else part)
            ui.text(f"  part {name}: {described}")
    ui.info("dry run: nothing was sent; the signed blocklet-meta follows on stdout")
    import json

    ui.out(json.dumps(plan.signed_meta, indent=2, ensure_ascii=False))


def _show_skipped(ui, document: dict) -> None:
    if ui.json_mode:
        ui.result(document)
        return
    ui.info(f"{document['title']} {document['version']} is already on the store {document['store']}: "
            "skipped (--skip-existing)")
    ui.result_url(document["url"])


def _show_result(ui, plan, outcome: dict) -> None:
    meta = plan.signed_meta
    label = f"{plan.release.title} {meta['version']}"
    if plan.file_store:
        latest = "now the latest" if outcome["latest"] else f"latest stays {outcome['previousLatest']}"
        ui.success(f"{label} published to the file store {outcome['root']} ({latest})")
        ui.info(f"add it to another blocklet: blocklet add {outcome['metaUrl']}")
        ui.info(f"or serve {outcome['root']} with any static web server and use it as a store (--store http://…)")
        return
    if outcome.get("status") == "published":
        ui.success(f"{label} published: {plan.store}/blocklets/{meta['did']}")
    else:
        ui.success(f"{label} uploaded to {plan.store}")
        ui.info(f"publish it at {plan.store}/developer/blocklets to make it public")
