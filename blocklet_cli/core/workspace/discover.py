"""The blocklets of a workspace: every folder under the root with a `blocklet.yml` (or `blocklet.yaml`),
honouring `.gitignore` and `.blockletignore` files at any level (gitignore syntax, the deeper file wins),
never looking into `node_modules`, `.git` or `.blocklet`; and what a `--filter` pattern matches."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklet_cli.core.errors import BlockletError

META_FILES = ("blocklet.yml", "blocklet.yaml")
IGNORE_FILES = (".gitignore", ".blockletignore")
NEVER_WALKED = frozenset({"node_modules", ".git", ".blocklet", ".hg", ".svn", ".pnpm-store"})


@dataclass
class Member:
    """One blocklet of the workspace: where it is and what its metadata says (a file that cannot be read
    leaves the folder's name and no version: the command's action then fails on it)."""

    folder: Path  # absolute
    rel: str  # POSIX path relative to the root ("." for the root itself)
    meta_file: Path
    name: str
    did: str | None = None
    version: str | None = None
    components: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "did": self.did, "version": self.version, "folder": self.rel}


def _read_member(root: Path, folder: Path, meta_file: Path) -> Member:
    from blocklet_cli.core.meta.api import load_meta

    rel = folder.relative_to(root).as_posix()
    member = Member(folder=folder, rel=rel, meta_file=meta_file, name=folder.name if rel != "." else root.name)
    try:
        data = load_meta(meta_file).data
    except BlockletError:
        return member
    if isinstance(data, dict):
        if isinstance(data.get("name"), str) and data["name"].strip():
            member.name = data["name"].strip()
        member.did = data["did"] if isinstance(data.get("did"), str) else None
        member.version = str(data["version"]) if isinstance(data.get("version"), (str, int, float)) else None
        components = data.get("components")
        member.components = components if isinstance(components, list) else []
    return member


class _Ignores:
    """The ignore files met on the way down: (folder relative to the root, spec), deepest last."""

    def __init__(self) -> None:
        self.specs: list[tuple[str, Any]] = []

    def load(self, root: Path, rel: str) -> None:
        lines: list[str] = []
        for name in IGNORE_FILES:
            path = root / rel / name
            if path.is_file():
                try:
                    lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    continue
        if lines:
            import pathspec

            self.specs.append((rel, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str) -> bool:
        """Whether the folder `rel` (relative to the root) is ignored; the deepest deciding file wins."""
        for base, spec in reversed(self.specs):
            if base != "." and not (rel + "/").startswith(base + "/"):
                continue
            inner = rel if base == "." else rel[len(base) + 1:]
            decision = spec.check_file(inner + "/").include
            if decision is not None:
                return bool(decision)
        return False

    def leave(self, rel: str) -> None:
        while self.specs and self.specs[-1][0] != "." and not (rel + "/").startswith(self.specs[-1][0] + "/"):
            self.specs.pop()


def discover(root: Path) -> list[Member]:
    """Every blocklet under `root` (the root too), sorted by folder."""
    root = Path(root).absolute()
    found: list[Member] = []
    ignores = _Ignores()

    def visit(rel: str) -> None:
        folder = root if rel == "." else root / rel
        ignores.load(root, rel)
        meta = next((folder / name for name in META_FILES if (folder / name).is_file()), None)
        if meta is not None:
            found.append(_read_member(root, folder, meta))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            if entry.name in NEVER_WALKED or not entry.is_dir(follow_symlinks=False):
                continue
            child = entry.name if rel == "." else f"{rel}/{entry.name}"
            if ignores.ignored(child):
                continue
            visit(child)
            ignores.leave(rel)

    visit(".")
    return sorted(found, key=lambda member: member.rel)


def matches(member: Member, pattern: str) -> bool:
    """`--filter` PATTERN: the blocklet's name, or its folder relative to the root, exactly or as a glob
    (`blocklets/*`, `@scope/*`); a leading `./` and a trailing `/` are ignored."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/") or "."
    return any(candidate == pattern or fnmatch.fnmatchcase(candidate, pattern)
               for candidate in (member.name, member.rel, *([member.did] if member.did else [])))

