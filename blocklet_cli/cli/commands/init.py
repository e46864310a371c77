"""`blocklet init`: create a Blocklet project offline (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/init.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def init(
    directory: Annotated[Path, typer.Argument(help="Project folder (created if missing).")] = Path("."),
    name: Annotated[str | None, typer.Option("--name", help="Blocklet name (default: package.json name, "
                                             "else the folder name made valid).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Display title, at most 40 characters.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Summary, 3 to 160 characters.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="static, dapp or gateway (default: dapp).")] = None,
    main: Annotated[str | None, typer.Option("--main", help="Entry point: a folder for static (default www), "
                                             "a file for dapp (default index.js).")] = None,
    did: Annotated[str | None, typer.Option("--did", help="Use this DID (a Blocklet DID, or the name's "
                                            "DID).")] = None,
    did_type: Annotated[str | None, typer.Option("--did-type", help="name: derived from the name (default); "
                                                 "blocklet: a new random Blocklet DID, key saved 0600.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accept the defaults, ask nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing blocklet.yml.")] = False,
) -> None:
    """Create a Blocklet project in DIRECTORY (default: this folder), offline.

    Asks on a terminal for what no flag gave (title, description, group, entry point); with --yes,
    CI set or no terminal it never asks. Existing files are kept; blocklet.yml only with --force.

    Examples:

      blocklet init my-site --group static --yes

      blocklet init . --title "Ferry Times" --description "Harbor timetable" --group dapp

      blocklet init app --yes --did-type blocklet --json
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.errors import InputRequiredError, UsageError
    from blocklet_cli.core.identity import did as did_core
    from blocklet_cli.core.project import init as init_core

    ui = UI()
    if did and did_type:
        raise UsageError("--did and --did-type cannot be combined (a given DID has its own type)")
    if did_type is not None and did_type not in init_core.DID_TYPES:
        raise UsageError(f"unknown --did-type {did_type!r}: use name or blocklet")
    if group is not None and group not in init_core.GROUPS:
        raise UsageError(f"unknown group {group!r}: use one of {', '.join(init_core.GROUPS)}")
    init_core.check_target(directory, force=force)
    defaults = init_core.package_defaults(directory) if directory.is_dir() else {}
    if name is None:
        name = _default_name(init_core, defaults.get("name"), directory)
    blocklet_did = bool(did and did_core.is_valid(did.strip()) and did_core.is_blocklet_role(did.strip()))
    if not blocklet_did and did_type != "blocklet":
        init_core.check_name(name)
    if did:
        init_core.check_did(did.strip(), name)
    if group is not None and (main is not None or group == "gateway"):
        init_core.check_main(group, main)
    for flag, key, value in (("--title", "title", title), ("--description", "description", description)):
        problem = None if value is None else init_core.field_problem(key, value.strip(), name=name)
        if problem:
            raise UsageError(f"invalid {flag} {value!r}: {problem}")

    def ask(question: str, flag: str, default: str | None, check) -> str:
        if yes:
            return default or ""
        try:
            return ui.prompt(question, flag=flag, default=default, validate=check)
        except InputRequiredError as exc:
            exc.hint = "or pass --yes to accept the defaults"
            raise

    if title is None:
        title = ask("Title", "--title", name if not did_core.is_valid(name) else "My Blocklet",
                    lambda value: init_core.field_problem("title", value.strip(), name=name)
                    or (None if value.strip() else "the title cannot be empty"))
    if description is None:
        description = ask("Description", "--description",
                          defaults.get("description") if isinstance(defaults.get("description"), str)
                          else "A Blocklet project",
                          lambda value: init_core.field_problem("description", value.strip(), name=name))
    if group is None:
        group = ask("Group (static, dapp, gateway)", "--group", "dapp",
                    lambda value: None if value in init_core.GROUPS
                    else f"choose one of {', '.join(init_core.GROUPS)}")
    if main is None and group != "gateway":
        main = ask("Entry point", "--main", init_core.default_main(directory, group),
                   lambda value: init_core.main_problem(group, value))

    version = defaults.get("version")
    from blocklet_cli.core.project.version import parse_version

    options = init_core.InitOptions(
        root=directory, name=name, title=title, description=description, group=group, main=main,
        did=did, did_type=did_type or "name",
        version=str(parse_version(version)) if isinstance(version, str) and parse_version(version) else "1.0.0",
        author=defaults.get("author") or _git_author(directory), keywords=defaults.get("keywords"),
        repository=defaults.get("repository"), force=force,
    )
    result = init_core.init_project(options)
    if ui.json_mode:
        ui.result(result)
        return
    ui.success(f"Created {result.group} blocklet {result.name} in {result.root}")
    ui.info(f"DID: {result.did} ({'derived from the name' if result.did_type == 'name' else 'random, role BLOCKLET'})")
    if result.wallet_path:
        ui.info(f"Wallet (secret key, mode 0600) saved to: {result.wallet_path}")
    ui.info("Created: " + ", ".join(result.overwritten + result.created))
    if result.kept:
        ui.warn("Kept existing: " + ", ".join(result.kept))
    ui.text("Next: replace the placeholder logo.png and screenshots/, then blocklet check, blocklet dev, "
            "blocklet bundle --create-release")


def _default_name(init_core, package_name: object, directory: Path) -> str:
    """package.json's name when it is a valid blocklet name (made valid otherwise), else the folder's."""
    from blocklet_cli.core.errors import UsageError

    if isinstance(package_name, str) and package_name.strip():
        try:
            init_core.check_name(package_name)
            return package_name
        except UsageError:
            return init_core.name_from_folder(package_name)
    return init_core.name_from_folder(directory.absolute().resolve().name)


def _git_author(directory: Path) -> str | None:
    """`Name <email>` from git config (as the reference falls back to git's user.name)."""
    from blocklet_cli.core.project.git import user_name_and_email

    probe = directory.absolute()
    while not probe.exists():
        probe = probe.parent
    user, email = user_name_and_email(probe)
    if not user:
        return None
    return f"{user} <{email}>" if email else user
