"""Dependency order inside a workspace: a blocklet that lists another blocklet of the workspace as a
component comes after it.

A `components[]` entry points at a workspace blocklet by its `name` (the component's name or DID), by
`source.name` (a store name or DID) or by a `file:` `source.url` inside the blocklet's folder (the
release metadata `file:../api/.blocklet/release/blocklet.json`, relative to the listing blocklet)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from blocklet_cli.core.errors import ComponentError
from blocklet_cli.core.workspace.discover import Member


def _file_target(url: str, base: Path) -> Path | None:
    from blocklet_cli.core.store_address import file_url_path

    try:
        path = file_url_path(url)
    except (ValueError, TypeError):
        return None
    if not path.is_absolute():
        path = base / path
    return Path(os.path.normpath(path))


def _name_did(name: str) -> list[str]:
    """The DID a blocklet name stands for (a component may be listed by it), none for an invalid name."""
    from blocklet_cli.core.errors import BlockletError
    from blocklet_cli.core.identity.did import to_blocklet_did

    try:
        return [to_blocklet_did(name)]
    except (BlockletError, ValueError):
        return []


def _refers_to(entry: Any, owner: Member, other: Member) -> bool:
    if not isinstance(entry, dict):
        return False
    keys = {other.name, *([other.did] if other.did else []), *_name_did(other.name)}
    found = entry.get("source")
    source: dict[str, Any] = found if isinstance(found, dict) else {}
    if entry.get("name") in keys or source.get("name") in keys or source.get("did") in keys:
        return True
    urls = source.get("url")
    for url in urls if isinstance(urls, list) else [urls]:
        if isinstance(url, str) and url.strip().startswith("file:"):
            target = _file_target(url.strip(), owner.folder)
            if target is not None and (target == other.folder or other.folder in target.parents):
                return True
    return False


def dependencies(members: list[Member]) -> dict[str, list[str]]:
    """For each member (by folder), the folders of the other members it lists as components."""
    found: dict[str, list[str]] = {}
    for member in members:
        found[member.rel] = [other.rel for other in members if other is not member
                             and any(_refers_to(entry, member, other) for entry in member.components)]
    return found


def _cycle(deps: dict[str, list[str]], left: set[str]) -> list[str]:
    """One cycle among `left` (each of which still waits for another of `left`), as a closed path."""
    start = min(left)
    path = [start]
    while True:
        following = min(dep for dep in deps[path[-1]] if dep in left)
        if following in path:
            return [*path[path.index(following):], following]
        path.append(following)


def ordered(members: list[Member], deps: dict[str, list[str]]) -> list[Member]:
    """The members in dependency order (ties by folder); a cycle is a ComponentError naming it."""
    by_rel = {member.rel: member for member in members}
    waiting = {rel: {dep for dep in deps.get(rel, []) if dep in by_rel} for rel in by_rel}
    result: list[Member] = []
    while waiting:
        ready = sorted(rel for rel, needs in waiting.items() if not needs)
        if not ready:
            cycle = _cycle({rel: sorted(needs) for rel, needs in waiting.items()}, set(waiting))
            names = " → ".join(by_rel[rel].name for rel in cycle)
            raise ComponentError(f"the workspace's blocklets list each other as components in a cycle: {names}",
                                 hint="a blocklet cannot (indirectly) be a component of itself; remove one of "
                                      "these components")
        for rel in ready:
            result.append(by_rel[rel])
            del waiting[rel]
        for needs in waiting.values():
            needs.difference_update(ready)
    return result
