"""Which project files go into a bundle, and which never do (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundle.js, zip/ and simple/, with items 5 and 6 of
docs/migrating-from-node-cli.md fixed: one rule for every project, with or without `package.json`).

Selected: `main` (the folder of a static blocklet; the entry file and its folder for a dapp), every
`files` entry (paths and globs), files referenced by `pre*`/`post*` scripts, `migration/`, `logo`,
`LICENSE*`, `blocklet.prefs.json`, `resources/`, `blocklet.openapi.*`, `blocklet.opencomponent.*`.
(Markdown files, screenshots, the metadata file and `package.json` are written by other steps.)

`.blockletignore` (gitignore syntax, `!` re-includes) excludes more. Never bundled: the list of
`exclusions` (secrets, credentials, VCS/editor/build folders; case-insensitive). A symlink, a hard
link shared with a file outside the project, or a path leading outside the project is refused.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from blocklet_cli.core.bundle import exclusions
from blocklet_cli.core.errors import NotFoundError, UnsafePathError
from blocklet_cli.core.meta.checks import is_glob

IGNORE_FILE = ".blockletignore"
# Folders a walk does not enter (they are bundled only through the dependency step).
WALK_SKIPPED_DIRS = frozenset({"node_modules"})
JUNK_PATTERNS = (".DS_Store", "._*", ".*.swp", "*~", "npm-debug.log", "*.orig", ".gitignore", ".npmignore",
                 "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", IGNORE_FILE)
ROOT_PATTERNS = ("LICENSE*", "LICENCE*", "blocklet.prefs.json", "blocklet.openapi.*", "blocklet.opencomponent.*")
ROOT_FOLDERS = ("migration", "resources")


@dataclass
class Excluded:
    """A file a list asked for that was left out, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


@dataclass
class Selection:
    """The project files of a bundle: `files` are copied as they are, `app_files` go into
    `blocklet.zip` (zip mode). Paths are relative, POSIX style, sorted."""

    files: list[str] = field(default_factory=list)
    app_files: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # files named by a `files` entry or matched by its glob
    excluded: list[Excluded] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def secret_reason(rel: str, path: Path | None = None) -> str | None:
    """Why a file must never be bundled (see `exclusions`), or None."""
    return exclusions.reason(rel, path)


def _skipped(name: str) -> bool:
    return exclusions.skipped_folder(name) is not None or name in WALK_SKIPPED_DIRS


def resolve_inside(root: Path, rel: str, what: str) -> Path:
    """`root/rel` after checking it stays inside `root` and crosses no symlink; may not exist."""
    if not rel or os.path.isabs(rel) or rel.startswith("~"):
        raise UnsafePathError(f"{what} {rel!r} must be a path relative to the project folder")
    normal = os.path.normpath(rel)
    if normal == ".." or normal.startswith("../"):
        raise UnsafePathError(f"{what} {rel!r} leads outside the project folder")
    current = root
    if normal == ".":
        return root
    for part in PurePosixPath(normal).parts:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            return root / normal
        if stat.S_ISLNK(mode):
            raise UnsafePathError(f"{what} {rel!r} is or crosses a symlink ({current.relative_to(root)}); "
                                  "bundles only hold regular files")
    return root / normal


def _as_rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def walk(root: Path, rel_dir: str, what: str, skipped: dict[str, str] | None = None) -> list[str]:
    """Regular files under `root/rel_dir` (relative to root), skipping never-bundled folders (each
    recorded in `skipped` with its reason) and node_modules. A symlink inside is refused."""
    start = resolve_inside(root, rel_dir, what)
    base = str(root)
    found: list[str] = []
    stack = [str(start)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    rel = os.path.relpath(entry.path, base)
                    raise UnsafePathError(f"{what}: {rel} is a symlink; "
                                          "bundles only hold regular files (remove it or list its target)")
                if entry.is_dir(follow_symlinks=False):
                    why = exclusions.skipped_folder(entry.name)
                    if why and skipped is not None:
                        skipped[os.path.relpath(entry.path, base) + "/"] = why
                    if not _skipped(entry.name):
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(os.path.relpath(entry.path, base))
    return sorted(found)


def _add_path(root: Path, rel: str, what: str, into: set[str], skipped: dict[str, str] | None = None) -> bool:
    """Add a file, or every file of a folder; False when it does not exist."""
    path = resolve_inside(root, rel, what)
    if path.is_dir():
        into.update(walk(root, _as_rel(root, path) if path != root else ".", what, skipped))
        return True
    if path.is_file():
        into.add(_as_rel(root, path))
        return True
    return False


def _glob(root: Path, pattern: str, what: str, into: set[str], skipped: dict[str, str] | None = None) -> list[str]:
    """Add every match of `pattern`; return the matches that are files."""
    if os.path.isabs(pattern) or pattern.startswith("../") or "/../" in pattern:
        raise UnsafePathError(f"{what} {pattern!r} leads outside the project folder")
    files = []
    for match in sorted(glob.glob(pattern, root_dir=root, recursive=True)):
        if not any(_skipped(part) for part in PurePosixPath(match).parts):
            _add_path(root, match, what, into, skipped)
            if (root / match).is_file():
                files.append(PurePosixPath(match).as_posix())
    return files


def hook_files(root: Path, scripts: dict | None) -> list[str]:
    """Files referenced by the `pre*`/`post*` hook scripts (tokens naming a file of the project)."""
    found: set[str] = set()
    for key, command in (scripts or {}).items():
        if not (key.startswith(("pre", "post")) and isinstance(command, str)):
            continue
        for token in command.split():
            token = token.strip("'\"")
            if not token or token.startswith("-") or "=" in token:
                continue
            candidate = os.path.normpath(token)
            if os.path.isabs(candidate) or candidate.startswith(".."):
                if "/" in token and os.path.exists(os.path.join(root, token)):
                    raise UnsafePathError(f"scripts.{key}: {token!r} leads outside the project folder")
                continue
            if (root / candidate).is_file():
                _add_path(root, candidate, f"scripts.{key}", found)
    return sorted(found)


class IgnoreRules:
    """`.blockletignore` (gitignore syntax) plus the never-bundled rules."""

    def __init__(self, root: Path) -> None:
        import pathspec

        self.root = root
        ignore_file = root / IGNORE_FILE
        lines = ignore_file.read_text(encoding="utf-8").splitlines() if ignore_file.is_file() else []
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self.active = bool(lines)

    def reason(self, rel: str) -> str | None:
        found = secret_reason(rel, self.root / rel if rel.lower().endswith(".json") else None)
        if found:
            return found
        parts = rel.split("/")
        if "node_modules" in parts[:-1]:
            return "node_modules travel only inside blocklet.zip (zip mode)"
        if any(fnmatch.fnmatchcase(parts[-1], pattern) for pattern in JUNK_PATTERNS):
            return "junk file"
        if not self.active:
            return None
        folders = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        # As in git, a file inside an ignored folder cannot be re-included.
        if any(self.spec.match_file(folder) for folder in folders) or self.spec.match_file(rel):
            return f"matched by {IGNORE_FILE}"
        return None


def select_files(root: Path, meta: dict, *, zip_app: bool) -> Selection:
    """Apply the selection rules to a project. With `zip_app` (a dapp in zip mode), the code
    (main's folder, hook scripts, migrations, `files` entries) is also listed in `app_files`."""
    from blocklet_cli.core.bundle.deps import trace_local_requires

    root = Path(root)
    rules = IgnoreRules(root)
    skipped: dict[str, str] = {}
    warnings: list[str] = []
    loose: set[str] = set()
    app: set[str] = set()
    group = meta.get("group")
    main = meta.get("main")
    if isinstance(main, str) and main and main not in ("blocklet.js", "blocklet.zip"):
        main_path = resolve_inside(root, main, "main")
        if group == "static":
            if not main_path.is_dir():
                raise NotFoundError(f"main folder {main!r} of this static blocklet does not exist")
            _add_path(root, main, "main", loose, skipped)
        elif group == "dapp":
            if not main_path.exists():
                raise NotFoundError(f"main {main!r} does not exist in {root}")
            target = app if zip_app else loose
            _add_path(root, main, "main", target, skipped)
            folder = os.path.dirname(os.path.normpath(main))
            if main_path.is_file() and folder:
                _add_path(root, folder, "main", target, skipped)
            if main_path.is_file():
                traced, found = trace_local_requires(root, [os.path.normpath(main)])
                warnings += found
                for rel in traced:
                    _add_path(root, rel, "main", target, skipped)
    listed: set[str] = set()
    scripts: set[str] = set()
    for entry in meta.get("files") or []:
        if not isinstance(entry, str) or entry in ("blocklet.js", "blocklet.zip"):
            continue
        if is_glob(entry, any_glob_char=True):
            scripts.update(_glob(root, entry, "files entry", listed, skipped))
        elif not _add_path(root, entry, "files entry", listed, skipped):
            raise NotFoundError(f"files entry {entry!r} does not exist in {root}")
        elif (root / entry).is_file():
            scripts.add(os.path.normpath(entry))
    loose |= listed
    code = set(hook_files(root, meta.get("scripts")))
    for folder in ROOT_FOLDERS:
        if (root / folder).is_dir():
            _add_path(root, folder, folder, code if folder == "migration" else loose, skipped)
    if group == "dapp":
        traced, found = trace_local_requires(root, sorted(code))
        warnings += found
        for rel in traced:
            _add_path(root, rel, "scripts", code, skipped)
    if zip_app:
        app |= code | {rel for rel in listed if not rel.startswith("screenshots/")}
    else:
        loose |= code
    for name in sorted(os.listdir(root)):
        if any(fnmatch.fnmatch(name, pattern) for pattern in ROOT_PATTERNS) and (root / name).is_file():
            _add_path(root, name, name, loose, skipped)
    if isinstance(meta.get("logo"), str) and meta["logo"]:
        _add_path(root, meta["logo"], "logo", loose, skipped)
    selection = Selection(warnings=warnings)
    selection.scripts = sorted(scripts)
    reasons: dict[str, str | None] = {}
    for source, kept in ((loose, selection.files), (app, selection.app_files)):
        for rel in sorted(source):
            if rel not in reasons:
                reason = reasons[rel] = rules.reason(rel)
                if reason:
                    selection.excluded.append(Excluded(rel, reason))
            if not reasons[rel]:
                kept.append(rel)
    for folder, why in sorted(skipped.items()):
        if not any(item.path == folder for item in selection.excluded):
            selection.excluded.append(Excluded(folder, f"never bundled: {why}"))
    return selection


def check_sources(root: Path, sources: list[Path], *, workspace: Path | None = None) -> None:
    """One rule for every project file a bundle takes: a regular file inside `root` (or `workspace`),
    reached without crossing a symlink, and not a hard link shared with a file outside the project.
    UnsafePathError names the first file breaking it."""
    root = Path(root).absolute()
    bases = [root, *([Path(workspace).absolute()] if workspace is not None else [])]
    shared: dict[tuple[int, int], tuple[str, int]] = {}
    for source in sources:
        path = Path(os.path.abspath(source))
        base = next((b for b in bases if b in path.parents), None)
        if base is None:
            raise UnsafePathError(f"{source} is outside the project folder; bundles only hold the project's files")
        rel = path.relative_to(base).as_posix()
        resolve_inside(base, rel, "bundled file")
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"bundled file {rel!r} is not a regular file")
        if info.st_nlink > 1:
            shared[(info.st_dev, info.st_ino)] = (rel, info.st_nlink)
    if shared:
        _check_hard_links(root, bases, shared)


def _count_links(folders: list[Path], shared: dict[tuple[int, int], tuple[str, int]]) -> dict[tuple[int, int], int]:
    """How many paths under `folders` (each counted once; node_modules and symlinks not entered) are
    links of each shared inode."""
    found: dict[tuple[int, int], int] = {}
    seen: set[str] = set()
    for folder in folders:
        for current, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "node_modules" and not os.path.islink(os.path.join(current, d))]
            for name in files:
                full = os.path.join(current, name)
                if full in seen:
                    continue
                seen.add(full)
                try:
                    info = os.lstat(full)
                except OSError:
                    continue
                key = (info.st_dev, info.st_ino)
                if key in shared:
                    found[key] = found.get(key, 0) + 1
    return found


def _check_hard_links(root: Path, bases: list[Path], shared: dict[tuple[int, int], tuple[str, int]]) -> None:
    """Every link of each shared inode must be inside the project (or workspace). The previous bundle
    folder hard-links project files, so it is looked at first; the whole project only if needed."""
    previous = _count_links([root / ".blocklet" / "bundle"], shared)
    if all(previous.get(key, 0) + 1 >= nlink for key, (_, nlink) in shared.items()):
        return
    found = _count_links(bases, shared)
    for key, (rel, nlink) in sorted(shared.items(), key=lambda item: item[1][0]):
        if found.get(key, 0) < nlink:
            raise UnsafePathError(f"bundled file {rel!r} is a hard link shared with a file outside the project "
                                  f"({nlink} links, {found.get(key, 0)} inside)",
                                  hint="replace it with a copy of its content, or remove it")
