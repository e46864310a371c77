"""`blocklet deploy`: install or upgrade a blocklet as a component of an app on a Blocklet Server
(reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/deploy.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from blocklet_cli.cli.options import setting
from blocklet_cli.core.settings import default_sentence


def deploy(
    folder: Annotated[Path, typer.Argument(help="Project folder, its .blocklet/bundle, or a release folder.")] = Path(
        "."),
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="Server URL: admin URL, daemon URL (http://127.0.0.1:8089), app URL or …/api/gql "
                           f"{default_sentence('deployEndpoint')}.")] = None,
    access_key: Annotated[str | None, typer.Option(
        "--access-key", help="Access key id "
                             f"{default_sentence('deployAccessKey', 'access-key.ini [<app id>]')}.")] = None,
    access_secret: Annotated[str | None, typer.Option(
        "--access-secret", help="Access key secret; prefer the variable or a file (a flag shows in `ps`) "
                                f"{default_sentence('deployAccessSecret')}.")] = None,
    access_secret_file: Annotated[str | None, typer.Option(
        "--access-secret-file", "--access-token-file", metavar="PATH", show_default=False,
        help="Read the access key secret from this file (- reads stdin) "
             f"{default_sentence('deployAccessSecretFile')}.")] = None,
    app_id: Annotated[str | None, typer.Option(
        "--app-id", "--app-did", help=f"DID of the app to deploy into {default_sentence('deployAppDid')}.")] = None,
    mount_point: Annotated[str | None, typer.Option(
        "--mount-point", help="Where the component is mounted "
                              f"{default_sentence('deployMountPoint', '/ + its title')}.")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, show_default=False,
        help=f"Seconds to wait for the server (the upload can take long) {default_sentence('deployTimeout')}.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build the release again even if it is current.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would be sent (never the secret); no request is made.")] = False,
) -> None:
    """Install or upgrade the blocklet in FOLDER as a component of an existing app on a Blocklet Server.

    The release is built first when it is missing or older than the project's version.

    Examples:

      blocklet deploy --endpoint https://my-server.example --app-id z8ia… \\
          --access-key z1… --access-secret-file secret.txt

      BLOCKLET_DEPLOY_ENDPOINT=http://127.0.0.1:8089 BLOCKLET_DEPLOY_APP_DID=z8ia… blocklet deploy .

      URL=$(blocklet deploy .)     # text mode, stdout not a terminal: the URL alone on stdout

      blocklet deploy . --dry-run --json
    """
    from blocklet_cli.cli.credentials import resolve_secret
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.server import deploy as core

    ui = UI()
    seconds = _timeout(setting("deployTimeout", timeout, ui=ui))
    secret = resolve_secret("deployAccessSecret", access_secret, "deployAccessSecretFile", access_secret_file, ui,
                            what="access key secret")
    from_file = secret.source is not None and secret.source != "flag" and not secret.source.startswith("env:")
    plan = core.plan_deploy(folder, endpoint=endpoint, app_did=app_id, access_key=access_key,
                            access_secret=secret.value if from_file else access_secret,
                            secret_source=secret.source if from_file else None, mount_point=mount_point,
                            rebuild=rebuild, reporter=ui)
    for name, source in plan.sources.items():
        ui.verbose(f"{name} from {source}")
    component = plan.component()
    label = plan.label
    if dry_run:
        document = plan.to_dict()
        if ui.json_mode:
            ui.result(document)
            return
        ui.info(f"Dry run: would deploy {label} ({component['did']}) to app {plan.app_did or '(from the endpoint)'}")
        ui.info(f"Endpoint: {plan.endpoint_url}; mount point {plan.mount_point} ({plan.mount_point_source})")
        ui.info(f"Access key: {plan.key.key_id} (from {plan.key.source}); the signature is made at send time")
        ui.info(f"Release: {plan.tarball} ({plan.size} bytes, {plan.integrity[:27]}…)")
        import json

        ui.text(json.dumps(document["request"], indent=2, ensure_ascii=False))
        return
    if plan.endpoint_url.startswith("http://") and "://127.0.0.1" not in plan.endpoint_url \
            and "://localhost" not in plan.endpoint_url:
        ui.warn("the endpoint uses plain http: the release and the signed headers travel unencrypted")
    result = core.run_deploy(plan, timeout=seconds, reporter=ui)
    if ui.json_mode:
        ui.result(result.to_dict())
        return
    app = result.app
    server = result.endpoint.server_name or result.endpoint.base
    ui.success(f"{label} was deployed to {app['title'] or app['did']} on {server} in {result.seconds:.1f}s")
    ui.info(f"Component: {component['name']} ({component['did']}) version {result.component['version']}")
    ui.info(f"App: {app['title']} ({app['did']}), mount point {result.mount_point}")
    if result.url:
        ui.info(f"URL: {result.url}")
    ui.result_url(result.url)


def _timeout(found) -> float:
    """The deploy timeout in seconds (at least 1), from the flag, the environment or the default."""
    from blocklet_cli.core.errors import UsageError

    try:
        seconds = float(found.value)
    except ValueError:
        raise UsageError(f"the deploy timeout from {found.source} must be a number of seconds, "
                         f"got {found.value!r}") from None
    if not seconds >= 1:
        raise UsageError(f"the deploy timeout from {found.source} must be at least 1 second, got {found.value!r}")
    return seconds
