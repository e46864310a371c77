"""`blocklet version`: compute the next version (npm `semver.inc` semantics) and write it in place.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/version.js (item 7 of
docs/migrating-from-node-cli.md). Unlike the reference we change only the `version` value of
`blocklet.yml` (every other byte kept, see `core/project/edit.py`), update `package.json` too, refuse
downgrades and same-version bumps unless forced, and `--git-commit` / `--git-tag` really commit / tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from blocklet_cli.core.errors import ConflictError, UsageError
from blocklet_cli.core.project import edit, git
from blocklet_cli.core.report import NULL_REPORTER, Reporter

KEYWORDS = ("major", "minor", "patch", "premajor", "preminor", "prepatch", "prerelease")
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_PREID = re.compile(rf"^{_IDENT}(?:\.{_IDENT})*$")
_MAX_SAFE_INTEGER = 2**53 - 1


def parse_version(text: str):
    """A strict semver.Version from `text`, accepting a leading `v` or `=` and surrounding spaces
    (npm `semver.clean`); None when it is not a version."""
    import semver

    cleaned = text.strip()
    cleaned = re.sub(r"^[=v]+\s*", "", cleaned)
    try:
        return semver.Version.parse(cleaned)
    except (ValueError, TypeError):
        return None


def _prerelease_parts(version) -> list[int | str]:
    parts: list[int | str] = []
    for part in (version.prerelease or "").split(".") if version.prerelease else []:
        parts.append(int(part) if part.isdigit() and int(part) <= _MAX_SAFE_INTEGER else part)
    return parts


def _same_identifier(a: int | str, b: str) -> bool:
    if isinstance(a, int) and b.isdigit():
        return a == int(b)
    return str(a) == b


def increment(current: str, release: str, preid: str | None = None) -> str:
    """npm `semver.inc(current, release, preid)` (semver 7): e.g. prerelease of 1.2.3 → 1.2.4-0,
    premajor of 1.2.3 with preid beta → 2.0.0-beta.0, major of 2.0.0-1 → 2.0.0."""
    version = parse_version(current)
    if version is None:
        raise UsageError(f"the current version {current!r} is not a valid semver version",
                         hint="give an explicit version, e.g. `blocklet version 1.0.0`")
    if release not in KEYWORDS:
        raise UsageError(f"unknown release type {release!r} (expected a version or one of {', '.join(KEYWORDS)})")
    if preid is not None and (not preid or not _PREID.match(preid)):
        raise UsageError(f"invalid --preid {preid!r}: use letters, digits, '-' and '.'")
    major, minor, patch = version.major, version.minor, version.patch
    pre = _prerelease_parts(version)

    def bump_pre(parts: list[int | str]) -> list[int | str]:
        if not parts:
            parts = [0]
        else:
            for index in range(len(parts) - 1, -1, -1):
                part = parts[index]
                if isinstance(part, int):
                    parts = [*parts[:index], part + 1, *parts[index + 1 :]]
                    break
            else:
                parts = [*parts, 0]
        if preid:
            wanted = preid.split(".")
            prefix_matches = len(wanted) <= len(parts) and all(
                _same_identifier(parts[i], wanted[i]) for i in range(len(wanted)))
            if not prefix_matches or not (len(parts) > len(wanted) and isinstance(parts[len(wanted)], int)):
                parts = [preid, 0]
        return parts

    if release == "premajor":
        major, minor, patch, pre = major + 1, 0, 0, bump_pre([])
    elif release == "preminor":
        minor, patch, pre = minor + 1, 0, bump_pre([])
    elif release == "prepatch":
        patch, pre = patch + 1, bump_pre([])
    elif release == "prerelease":
        if not pre:
            patch += 1
        pre = bump_pre(pre)
    elif release == "major":
        if minor or patch or not pre:
            major += 1
        minor, patch, pre = 0, 0, []
    elif release == "minor":
        if patch or not pre:
            minor += 1
        patch, pre = 0, []
    else:  # patch
        if not pre:
            patch += 1
        pre = []
    text = f"{major}.{minor}.{patch}"
    return f"{text}-{'.'.join(str(p) for p in pre)}" if pre else text


def next_version(current: str | None, spec: str = "patch", preid: str | None = None) -> str:
    """The version `spec` asks for: an explicit version (cleaned) or a keyword applied to `current`
    (`1.0.0` when the file has none, the parser's default)."""
    if spec in KEYWORDS:
        return increment(current or "1.0.0", spec, preid)
    explicit = parse_version(spec)
    if explicit is None:
        raise UsageError(f"invalid version {spec!r}: expected a semver version like 1.2.3 or one of "
                         f"{', '.join(KEYWORDS)}")
    if preid is not None:
        raise UsageError("--preid only goes with a pre* keyword (premajor, preminor, prepatch, prerelease)")
    return str(explicit)


def compare(a: str, b: str) -> int:
    """semver precedence of two valid versions (-1, 0, 1)."""
    return parse_version(a).compare(parse_version(b))


@dataclass
class BumpResult:
    """What `bump` changed."""

    previous: str | None
    version: str
    files: list[Path] = field(default_factory=list)
    commit: str | None = None
    tag: str | None = None

    def to_dict(self) -> dict:
        return {"from": self.previous, "to": self.version, "files": [str(p) for p in self.files],
                "commit": self.commit, "tag": self.tag}


def bump(project: str | Path, spec: str = "patch", *, preid: str | None = None, force: bool = False,
         package_json: bool = True, git_commit: bool = False, git_tag: bool = False,
         reporter: Reporter = NULL_REPORTER) -> BumpResult:
    """Set the version of the project in `project` (a folder or its meta file).

    Everything is checked before the first byte is written: the new version, the ordering (downgrades
    and the same version need `force`), both files' syntax, and for git the repository, the index
    (no unrelated staged changes) and the tag. Files are then written all or nothing.
    `git_tag` implies a commit (a tag must point at the commit holding the new version).
    """
    from blocklet_cli.core.meta import find_meta_file

    meta_path = find_meta_file(project).resolve()
    with edit.editing(meta_path.parent, "version"):
        return _bump(meta_path, spec, preid=preid, force=force, package_json=package_json, git_commit=git_commit,
                     git_tag=git_tag, reporter=reporter)


def _bump(meta_path: Path, spec: str, *, preid: str | None, force: bool, package_json: bool, git_commit: bool,
          git_tag: bool, reporter: Reporter) -> BumpResult:
    meta_file = edit.read_user_file(meta_path, "yaml")
    current, _present = edit.yaml_top_level_value(meta_file.text, "version", name=str(meta_path))
    package_path = meta_path.parent / "package.json"
    package_file = None
    if package_json and package_path.is_file():
        package_file = edit.read_user_file(package_path, "json")
        package_version = edit.json_top_level_value(package_file.text, "version", name=str(package_path))
        if current is None and isinstance(package_version, str):
            current = package_version  # no version in blocklet.yml: package.json's is the current one
    target = next_version(current, spec, preid)
    if current is not None and parse_version(current) is not None:
        order = compare(target, current)
        if order == 0 and not force:
            raise ConflictError(f"the version is already {current}", hint="pass --force to write it anyway")
        if order < 0 and not force:
            raise ConflictError(f"{target} is lower than the current version {current}",
                                hint="pass --force to downgrade")
    changes = [(meta_file, edit.set_yaml_top_level_scalar(meta_file.text, "version", target, name=str(meta_path),
                                                          after=("did", "name")))]
    if package_file is not None:
        changes.append((package_file, edit.set_json_top_level_string(package_file.text, "version", target,
                                                                    name=str(package_path), after="name")))
    tag = f"v{target}" if git_tag else None
    root = None
    if git_commit or git_tag:
        root = git.repo_root(meta_path.parent)
        git.check_can_commit(root, [file.path for file, _ in changes], tag=tag)
    changed = edit.write_user_files(changes)
    reporter.detail(f"wrote {', '.join(p.name for p in changed) or 'nothing'}")
    result = BumpResult(previous=current, version=target, files=changed)
    if root is not None:
        result.commit = git.commit_files(root, changed, f"v{target}") if changed else None
        if tag:
            git.create_tag(root, tag, f"v{target}")
            result.tag = tag
    return result
