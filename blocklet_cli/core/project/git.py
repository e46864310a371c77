"""The few git operations the CLI needs (commit and tag a version bump, read the user's name).

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/version.js (`--git-commit`, broken there: it never
commits). We run the `git`
program with argument lists (no shell) and raise typed errors: `UsageError` when the folder is not
in a repository or the index holds unrelated changes, `ExternalToolError` when git itself fails.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from blocklet_cli.core.errors import ConflictError, ExternalToolError, UsageError


def _run(args: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise ExternalToolError("git is not installed (needed for --git-commit / --git-tag)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ExternalToolError(f"git {args[0]} did not finish within 60 s") from exc
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ExternalToolError(f"git {args[0]} failed: {detail[-1] if detail else f'exit {result.returncode}'}")
    return result


def repo_root(path: Path) -> Path:
    """The top folder of the work tree containing `path`; UsageError outside a repository."""
    result = _run(["rev-parse", "--show-toplevel"], Path(path), check=False)
    if result.returncode != 0:
        raise UsageError(f"{path} is not inside a git repository", hint="run `git init` or drop --git-commit/--git-tag")
    return Path(result.stdout.strip()).resolve()


def staged_files(root: Path) -> list[str]:
    """Paths (relative to `root`) with changes in the index."""
    out = _run(["diff", "--cached", "--name-only", "-z"], root).stdout
    return [name for name in out.split("\0") if name]


def tag_exists(root: Path, tag: str) -> bool:
    return _run(["rev-parse", "--verify", "-q", f"refs/tags/{tag}"], root, check=False).returncode == 0


def identity_configured(root: Path) -> bool:
    """True when git knows who commits (user.name/email or the GIT_* environment)."""
    return _run(["var", "GIT_COMMITTER_IDENT"], root, check=False).returncode == 0


def check_can_commit(root: Path, files: list[Path], *, tag: str | None = None) -> None:
    """Raise before anything is written if committing exactly `files` (and tagging) would fail."""
    ours = {relative(root, path) for path in files}
    unrelated = sorted(set(staged_files(root)) - ours)
    if unrelated:
        shown = ", ".join(unrelated[:3]) + (" …" if len(unrelated) > 3 else "")
        raise ConflictError(f"the git index holds unrelated staged changes ({shown})",
                            hint="commit or unstage them first (git restore --staged <file>)")
    if not identity_configured(root):
        raise UsageError("git does not know who you are (user.name / user.email)",
                         hint='git config user.name "Your Name" && git config user.email you@example.com')
    if tag and tag_exists(root, tag):
        raise ConflictError(f"git tag {tag} already exists")


def relative(root: Path, path: Path) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError as exc:
        raise UsageError(f"{path} is outside the git repository {root}") from exc


def commit_files(root: Path, files: list[Path], message: str) -> str:
    """Stage and commit exactly `files`; return the new commit id."""
    names = [relative(root, path) for path in files]
    _run(["add", "--", *names], root)
    _run(["commit", "-q", "-m", message, "--", *names], root)
    return _run(["rev-parse", "HEAD"], root).stdout.strip()


def create_tag(root: Path, tag: str, message: str | None = None) -> None:
    """An annotated tag on HEAD (lightweight when `message` is None)."""
    _run(["tag", "-a", tag, "-m", message, "HEAD"] if message else ["tag", tag, "HEAD"], root)


def user_name_and_email(cwd: Path) -> tuple[str | None, str | None]:
    """git's `user.name` / `user.email` as seen from `cwd` (None when unset or git is missing)."""
    values: list[str | None] = []
    for key in ("user.name", "user.email"):
        try:
            result = _run(["config", "--get", key], cwd, check=False)
        except ExternalToolError:
            return None, None
        values.append(result.stdout.strip() or None if result.returncode == 0 else None)
    return values[0], values[1]
