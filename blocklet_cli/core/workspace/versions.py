"""`blocklet version … --all`: bump every selected blocklet (and its package.json), each from its own
version, or with `sync` all to one version: the highest current version bumped (or the explicit one)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blocklet_cli.core.project.version import KEYWORDS, bump, compare, next_version, parse_version
from blocklet_cli.core.report import Reporter
from blocklet_cli.core.workspace.discover import Member
from blocklet_cli.core.workspace.runner import Action, MemberResult


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


@dataclass
class CommitPlan:
    """`--git-commit`/`--git-tag` over a workspace: one commit of every file the bumps write."""

    root: Path
    tag: str | None
    message: str | None  # None: made from the results (`a@1.0.1, b@2.0.1`)


def plan_commit(members: list[Member], *, sync_to: str | None, tag: bool, package_json: bool = True) -> CommitPlan:
    """Checked before any file is written: a repository holding every file, nothing unrelated staged, a known
    committer, and a tag (`v<version>`, only with one version for all) that does not exist yet."""
    from blocklet_cli.core.errors import UsageError
    from blocklet_cli.core.project import git

    if tag and sync_to is None:
        raise UsageError("--git-tag needs one version for all the blocklets: add --sync",
                         hint="or tag each release yourself")
    root = git.repo_root(members[0].folder)
    files = [path for member in members
             for path in (member.meta_file, *([member.folder / "package.json"] if package_json else []))
             if path.is_file()]
    name = f"v{sync_to}" if tag else None
    git.check_can_commit(root, files, tag=name)
    return CommitPlan(root=root, tag=name, message=f"v{sync_to}" if sync_to else None)


def commit(plan: CommitPlan, results: list[MemberResult]) -> dict[str, str | None]:
    """Commit (and tag) what the bumps wrote; nothing when a bump failed or nothing changed."""
    from blocklet_cli.core.project import git

    if any(result.status != "ok" for result in results):
        return {"commit": None, "tag": None}
    files = [Path(name) for result in results for name in result.fields.get("files") or []]
    if not files:
        return {"commit": None, "tag": None}
    message = plan.message or "release " + ", ".join(
        f"{result.member.name}@{result.fields['to']}" for result in results if result.fields.get("files"))
    commit_id = git.commit_files(plan.root, files, message)
    if plan.tag:
        git.create_tag(plan.root, plan.tag, plan.tag)
    return {"commit": commit_id, "tag": plan.tag}
