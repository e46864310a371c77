"""`blocklet version … --all`: bump every selected blocklet (and its package.json), each from its own
version, or with `sync` all to one version: the highest current version bumped (or the explicit one)."""

from __future__ import annotations

from typing import Any

from blocklet_cli.core.project.version import KEYWORDS, bump, compare, next_version, parse_version
from blocklet_cli.core.report import Reporter
from blocklet_cli.core.workspace.discover import Member
from blocklet_cli.core.workspace.runner import Action


def highest(members: list[Member]) -> str | None:
    """The highest valid version among the members (None when none has one)."""
    best: str | None = None
    for member in members:
        parsed = parse_version(member.version) if member.version is not None else None
        if parsed is not None and (best is None or compare(str(parsed), best) > 0):
            best = str(parsed)
    return best


def sync_target(members: list[Member], spec: str, preid: str | None = None) -> str:
    """The one version `--sync` gives every member: `spec` applied to the highest current version, or
    `spec` itself when it is a version."""
    return next_version(highest(members) if spec in KEYWORDS else None, spec, preid)


def bump_action(spec: str, *, preid: str | None = None, force: bool = False, package_json: bool = True,
                sync_to: str | None = None) -> Action:
    """The per-blocklet action: `bump` with `spec`, or to `sync_to` (a blocklet already there is left as is)."""

    def action(member: Member, reporter: Reporter) -> dict[str, Any]:
        if sync_to is not None and member.version is not None and parse_version(member.version) is not None \
                and compare(member.version, sync_to) == 0:
            return {"detail": f"already {sync_to}", "from": member.version, "to": sync_to, "files": []}
        result = bump(member.folder, sync_to or spec, preid=None if sync_to else preid, force=force,
                      package_json=package_json, reporter=reporter)
        return {"detail": f"{result.previous or '(none)'} → {result.version}", **result.to_dict()}

    return action
