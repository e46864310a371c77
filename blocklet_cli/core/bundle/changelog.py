"""CHANGELOG checks (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundlers/changelog.js): only h1–h4 headings are allowed.

Headings are found by a CommonMark parser, so `#####` lines inside code blocks do not count.
"""

from __future__ import annotations

from pathlib import Path

from blocklet_cli.core.errors import BundleError

MAX_DEPTH = 4


def deep_headings(text: str) -> list[tuple[int, int]]:
    """(line number, depth) of every heading deeper than h4."""
    from markdown_it import MarkdownIt

    found = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "heading_open" and int(token.tag[1:]) > MAX_DEPTH and token.map:
            found.append((token.map[0] + 1, int(token.tag[1:])))
    return found


def check_changelog(path: Path) -> None:
    """Raise BundleError naming the first heading deeper than h4, with its line number."""
    text = path.read_text(encoding="utf-8", errors="replace")
    deep = deep_headings(text)
    if deep:
        line, depth = deep[0]
        raise BundleError(f"just h1~h4 headings should be used in {path.name}, found h{depth} at line {line}",
                          location=f"{path}:{line}:1")


def find_changelog(root: Path, workspace_root: Path | None = None) -> Path | None:
    """CHANGELOG.md (any case) of the project, else of the workspace root (with --monorepo). A symlink
    is returned too: the bundle's one rule for every file refuses it (see select.check_sources)."""
    for folder in (root, workspace_root):
        if folder is None or not folder.is_dir():
            continue
        for name in sorted(p.name for p in folder.iterdir()):
            if name.lower() == "changelog.md" and ((folder / name).is_file() or (folder / name).is_symlink()):
                return folder / name
    return None


WORKSPACE_MARKERS = ("bun.lock", "yarn.lock", "pnpm-workspace.yaml", "rush.json", "lerna.json", "package-lock.json")


def find_workspace_root(root: Path) -> Path | None:
    """The workspace root as the package managers find it (`pnpm-workspace.yaml`, package.json
    `workspaces`: core/project/workspace.py), else the nearest ancestor holding a workspace marker (each
    marker searched upwards, in order)."""
    from blocklet_cli.core.project.workspace import workspace_root

    found = workspace_root(root)
    if found is not None:
        return found
    for marker in WORKSPACE_MARKERS:
        for folder in [root, *root.parents]:
            if (folder / marker).is_file():
                return folder
    return None
