"""Find the workspace root of a folder the way the package managers do.

* pnpm: the nearest `pnpm-workspace.yaml` above (pnpm's `findWorkspaceDir`), its `packages:` globs;
* npm, yarn and bun: the nearest `package.json` above with `workspaces` (an array of globs, or yarn's
  `{packages: [...]}`) that is the folder itself or whose globs match the folder or one of its parents
  (npm's `@npmcli/config` `loadLocalPrefix`, yarn's `findWorkspaceRoot`).

The root bounds what a bundle may take (hoisted and pnpm-linked dependencies live under it) and is where
`--all` looks for blocklets (blocklet_cli/core/workspace/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from blocklet_cli.core.errors import FileFormatError

PNPM_FILE = "pnpm-workspace.yaml"


@dataclass(frozen=True)
class WorkspaceRoot:
    """A workspace root: its folder, who declares it (`pnpm` or `npm` for package.json `workspaces`),
    the declaring file and its package globs (`!` ones exclude)."""

    path: Path
    kind: str
    source: Path
    patterns: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"path": str(self.path), "kind": self.kind, "source": str(self.source),
                "patterns": list(self.patterns)}

    def declares(self, folder: Path) -> bool:
        """Whether `folder` (inside the root) is one of its packages by the globs."""
        try:
            rel = PurePosixPath(folder.relative_to(self.path).as_posix())
        except ValueError:
            return False
        included = [p for p in self.patterns if not p.startswith("!")]
        excluded = [p[1:] for p in self.patterns if p.startswith("!")]
        text = str(rel)
        return any(_glob(p).match(text) for p in included) and not any(_glob(p).match(text) for p in excluded)


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A workspace glob as a regular expression over a relative POSIX path (`*` within one segment,
    `**` across segments, `?` one character, `{a,b}` alternatives)."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/") or "."
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{" and "}" in pattern[index:]:
            end = pattern.index("}", index)
            out.append("(?:" + "|".join(re.escape(part) for part in pattern[index + 1:end].split(",")) + ")")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + r"\Z")


def _package_json_workspaces(path: Path) -> tuple[str, ...] | None:
    from blocklet_cli.core.safejson import loads

    try:
        data = loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # an unreadable package.json declares nothing (the package managers fail on it later)
    if not isinstance(data, dict):
        return None
    found = data.get("workspaces")
    if isinstance(found, dict):
        found = found.get("packages")
    if not isinstance(found, list):
        return None
    return tuple(item for item in found if isinstance(item, str))


def _pnpm_patterns(path: Path) -> tuple[str, ...]:
    from blocklet_cli.core.meta.yaml12 import check_text, load_yaml

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror or exc}", location=str(path)) from None
    data, _positions = load_yaml(check_text(raw, str(path)), str(path))
    if data is None:
        return ()
    packages = data.get("packages") if isinstance(data, dict) else None
    if packages is not None and not (isinstance(packages, list) and all(isinstance(p, str) for p in packages)):
        raise FileFormatError("`packages` must be a list of globs", location=str(path))
    return tuple(packages or ())


def find_workspace(start: Path) -> WorkspaceRoot | None:
    """The workspace `start` belongs to (nearest first), or None."""
    start = Path(start).absolute()
    for folder in [start, *start.parents]:
        pnpm = folder / PNPM_FILE
        if pnpm.is_file():
            return WorkspaceRoot(folder, "pnpm", pnpm, _pnpm_patterns(pnpm))
        manifest = folder / "package.json"
        if manifest.is_file():
            patterns = _package_json_workspaces(manifest)
            if patterns is not None:
                root = WorkspaceRoot(folder, "npm", manifest, patterns)
                if folder == start or any(root.declares(parent) for parent in [start, *start.parents]
                                          if parent != folder and folder in parent.parents):
                    return root
    return None


def workspace_root(start: Path) -> Path | None:
    """The folder of `find_workspace(start)`, or None."""
    found = find_workspace(start)
    return found.path if found is not None else None


__all__ = ["PNPM_FILE", "WorkspaceRoot", "find_workspace", "workspace_root"]
