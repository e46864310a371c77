"""git operations of `blocklet version` against real repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from blocklet_cli.core.errors import ConflictError, UsageError
from blocklet_cli.core.project import git
from blocklet_cli.core.project import version as versioning

META = "# keep\nname: a\nversion: 1.0.0\n"


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    sh(tmp_path, "init", "-q", "-b", "main")
    sh(tmp_path, "config", "user.name", "Tester")
    sh(tmp_path, "config", "user.email", "tester@example.com")
    (tmp_path / "blocklet.yml").write_text(META)
    (tmp_path / "package.json").write_text('{\n  "name": "a",\n  "version": "1.0.0"\n}\n')
    (tmp_path / "other.txt").write_text("x")
    sh(tmp_path, "add", ".")
    sh(tmp_path, "commit", "-q", "-m", "init")
    return tmp_path


def test_commit_and_tag_exactly_the_changed_files(repo: Path) -> None:
    (repo / "other.txt").write_text("unstaged change stays out of the commit")
    result = versioning.bump(repo, "minor", git_commit=True, git_tag=True)
    assert result.tag == "v1.1.0"
    assert sh(repo, "log", "-1", "--format=%s").strip() == "v1.1.0"
    assert sorted(sh(repo, "show", "--name-only", "--format=", "HEAD").split()) == ["blocklet.yml", "package.json"]
    assert sh(repo, "rev-parse", "v1.1.0^{commit}").strip() == result.commit
    assert sh(repo, "status", "--porcelain").strip() == "M other.txt"


def test_unrelated_staged_changes_refused_before_writing(repo: Path) -> None:
    (repo / "other.txt").write_text("staged")
    sh(repo, "add", "other.txt")
    with pytest.raises(ConflictError, match=r"unrelated staged changes \(other.txt\)"):
        versioning.bump(repo, "patch", git_commit=True)
    assert (repo / "blocklet.yml").read_text() == META


def test_existing_tag_refused_before_writing(repo: Path) -> None:
    sh(repo, "tag", "v1.0.1")
    with pytest.raises(ConflictError, match=r"tag v1\.0\.1 already exists"):
        versioning.bump(repo, "patch", git_commit=True, git_tag=True)
    assert (repo / "blocklet.yml").read_text() == META


def test_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "blocklet.yml").write_text(META)
    with pytest.raises(UsageError, match="not inside a git repository"):
        versioning.bump(tmp_path, "patch", git_commit=True)
    assert (tmp_path / "blocklet.yml").read_text() == META


def test_missing_identity_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sh(tmp_path, "init", "-q")
    (tmp_path / "blocklet.yml").write_text(META)
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    if git.identity_configured(tmp_path):
        pytest.skip("git derives an identity from this host's name")
    with pytest.raises(UsageError, match="does not know who you are"):
        versioning.bump(tmp_path, "patch", git_commit=True)
    assert (tmp_path / "blocklet.yml").read_text() == META


def test_user_name_and_email(repo: Path) -> None:
    assert git.user_name_and_email(repo) == ("Tester", "tester@example.com")
    assert git.repo_root(repo / ".") == repo.resolve()
