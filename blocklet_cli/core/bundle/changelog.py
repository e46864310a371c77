"""CHANGELOG checks (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundlers/changelog.js): only h1–h4 headings are allowed.

Headings are found by a CommonMark parser, so `#####` lines inside code blocks do not count.
"""

from __future__ import annotations

import re
from pathlib import Path

from blocklet_cli.core.errors import BundleError

MAX_DEPTH = 4
_COERCE = re.compile(r"(?:^|[^\d])(\d{1,16})(?:\.(\d{1,16}))?(?:\.(\d{1,16}))?(?:$|[^\d])")
_VERSION_PATTERNS = (re.compile(r"\[([^\]]+)\]"), re.compile(r"v?(\d+\.\d+\.\d+(?:-[a-zA-Z0-9.-]+)?)"),
                     re.compile(r"(\d+\.\d+(?:\.\d+)?(?:-[a-zA-Z0-9.-]+)?)"))


def deep_headings(text: str) -> list[tuple[int, int]]:
    """(line number, depth) of every heading deeper than h4."""
    from markdown_it import MarkdownIt

    found = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "heading_open" and int(token.tag[1:]) > MAX_DEPTH and token.map:
            found.append((token.map[0] + 1, int(token.tag[1:])))
    return found


def _coerce(text: str) -> str | None:
    """semver's `coerce`: the first `N[.N[.N]]` in `text` as `N.N.N`."""
    match = _COERCE.search(text)
    if not match:
        return None
    return ".".join(str(int(part or 0)) for part in match.groups())


def version_headings(text: str) -> list[tuple[int, str, str | None]]:
    """(line, heading text, version or None) of every top-level h2: the store reads one release per h2
    and the version from its text (reference: blocklet/blocklet-store
    blocklets/blocklet-store/api/libs/change-log.js `getFormattedChangelog`, `extractVersionFromHeading`)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    found = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h2" or token.level != 0 or not token.map:
            continue
        inline = tokens[index + 1]
        title = "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))
        version = None
        for pattern in _VERSION_PATTERNS:
            match = pattern.search(title)
            if match and _coerce(match.group(1)):
                version = _coerce(match.group(1))
                break
        found.append((token.map[0] + 1, title, version))
    return found


def changelog_files(folder: Path) -> list[Path]:
    """Every CHANGELOG.md of `folder`, any case (the reference bundler refuses more than one)."""
    if not folder.is_dir():
        return []
    return [folder / name for name in sorted(p.name for p in folder.iterdir())
            if name.lower() == "changelog.md" and ((folder / name).is_file() or (folder / name).is_symlink())]


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
        if folder is None:
            continue
        found = changelog_files(folder)
        if found:
            return found[0]
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
