"""`blocklet connect <store-url>`: get a store access token through DID Connect (reference:
ArcBlock/blocklet-server core/cli/lib/commands/blocklet/connect.js)."""

from __future__ import annotations

from typing import Annotated

import typer

from blocklet_cli.cli.options import ForceOption, ProfileOption, profile_name


def connect(
    store_url: Annotated[str, typer.Argument(help="The store's web address (http(s)://host[:port]).")],
    profile: ProfileOption = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.0,
                                           help="Seconds to wait for the wallet's answer.")] = 75 * 60.0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Only print the link; do not open it.")] = False,
    force: ForceOption = False,
    access_token_file: Annotated[str | None, typer.Option(
        "--access-token-file", metavar="PATH", show_default=False,
        help="Save the access token in this file (- reads stdin), made on the store's web site, instead of "
             "asking your DID Wallet.")] = None,
) -> None:
    """Connect to a Blocklet Store with your DID Wallet and save the access token in the profile.

    Examples:

      blocklet connect https://store.blocklet.dev

      blocklet connect http://localhost:3000 --profile dev --force --timeout 300

      blocklet connect https://store.blocklet.dev --access-token-file - < token.txt
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core import http
    from blocklet_cli.core.config import profiles as config
    from blocklet_cli.core.store import connect as core

    ui = UI()
    profile = profile_name(profile, ui)
    core.origin_of(store_url)  # fail on a bad URL before any request
    settings = config.ConfigFile.load()
    with http.client(cache=False) as client:
        store = core.normalise_store_url(store_url, client)
        current = settings.get("store", profile)
        if current and current != store and not force and not ui.confirm(
                f"Profile {profile} already uses the store {current}; overwrite it", flag="--force"):
            ui.info("nothing changed")
            return
        if access_token_file is not None:
            _save_token(ui, store, profile, access_token_file)
            return
        session = core.start(store, "connect-cli", client)
        ui.info(f"Open this link to approve with your DID Wallet: {session.page}")
        if not no_browser:
            _open_browser(session.page, ui)
        with ui.spinner(f"Waiting for connection: {store}"):
            answer = core.wait(session, client, timeout=timeout)
    connection = core.connection_of(store, answer)
    settings = config.ConfigFile.load()  # re-read: the user may have changed it meanwhile
    settings.set("store", store, profile)
    settings.set("accessToken", connection.access_token, profile)
    for key, value in (("developerDid", connection.developer_did), ("name", connection.name),
                       ("email", connection.email)):
        if value:
            settings.set(key, value, profile)
    settings.save()
    if ui.json_mode:
        ui.result({**connection.to_dict(), "profile": profile, "path": str(settings.path)})
        return
    ui.success(f"Connected: you are ready to publish blocklets to {store} (profile {profile})")
    ui.info("tip: blocklet bundle --create-release && blocklet publish"
            + (f" --profile {profile}" if profile != config.DEFAULT_PROFILE else ""))


def _save_token(ui, store: str, profile: str, name: str) -> None:
    """Check a token read from a file or stdin and save it with the store in the profile."""
    from blocklet_cli.cli.credentials import read_secret_file
    from blocklet_cli.core.config import profiles as config
    from blocklet_cli.core.store.publish import wallet_from_token

    token, source = read_secret_file(name, ui, "access token")
    wallet = wallet_from_token(token, source)
    settings = config.ConfigFile.load()
    settings.set("store", store, profile)
    settings.set("accessToken", token, profile)
    settings.save()
    if ui.json_mode:
        ui.result({"store": store, "profile": profile, "path": str(settings.path), "signer": wallet.address,
                   "developerDid": None, "name": None, "email": None})
        return
    ui.success(f"Saved the access token for {store} in profile {profile} (signer {wallet.address})")


def _open_browser(url: str, ui) -> None:
    """Open the link where a browser exists (never in CI)."""
    import os

    if not ui.env.interactive or os.environ.get("CI"):
        return
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return
    if not webbrowser.open(url):
        ui.verbose("could not open a browser")
