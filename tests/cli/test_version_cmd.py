"""`blocklet version` through the real console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

META = """\
# Harbor Lights
name: harbor-lights   # do not rename
did: z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ

version: "0.3.1"   # double quotes stay
title: Harbor Lights
"""
PACKAGE = '{\n  "name": "harbor-lights",\n  "version": "0.3.1",\n  "private": true\n}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "blocklet.yml").write_text(META)
    (tmp_path / "package.json").write_text(PACKAGE)
    return tmp_path


def test_default_is_patch_with_json(cli, project: Path) -> None:
    proc = cli("version", "--json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    files = [str((project / name).resolve()) for name in ("blocklet.yml", "package.json")]
    assert json.loads(proc.stdout) == {"from": "0.3.1", "to": "0.3.2", "files": files, "commit": None, "tag": None}
    assert (project / "blocklet.yml").read_text() == META.replace('"0.3.1"', '"0.3.2"')
    assert (project / "package.json").read_text() == PACKAGE.replace("0.3.1", "0.3.2")


def test_human_output_and_keywords(cli, project: Path) -> None:
    proc = cli("version", "premajor", "--preid", "rc", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == "✔ Blocklet version bumped from 0.3.1 to 1.0.0-rc.0"
    proc = cli("version", "prerelease", "--no-package-json", "--json", cwd=project)
    assert json.loads(proc.stdout)["to"] == "1.0.0-rc.1"
    assert json.loads((project / "package.json").read_text())["version"] == "1.0.0-rc.0"


@pytest.mark.parametrize(("args", "status", "message"), [
    (["0.3.0"], 11, "✖ 0.3.0 is lower than the current version 0.3.1"),
    (["v0.3.1"], 11, "✖ the version is already 0.3.1"),
    (["1.2"], 2, "✖ invalid version '1.2': expected a semver version like 1.2.3 or one of major, minor, patch, "
                 "premajor, preminor, prepatch, prerelease"),
    (["prerelease", "--preid", "no way"], 2, "✖ invalid --preid 'no way': use letters, digits, '-' and '.'"),
])
def test_refusals_are_one_line_and_write_nothing(cli, project: Path, args: list[str], status: int,
                                                 message: str) -> None:
    proc = cli("version", *args, cwd=project)
    assert proc.returncode == status
    assert proc.stderr.splitlines()[0] == message
    assert "Traceback" not in proc.stderr
    assert (project / "blocklet.yml").read_text() == META
    assert (project / "package.json").read_text() == PACKAGE


def test_force_allows_a_downgrade(cli, project: Path) -> None:
    proc = cli("version", "0.1.0", "--force", "--json", cwd=project)
    assert proc.returncode == 0 and json.loads(proc.stdout)["to"] == "0.1.0"


def test_git_options_outside_a_repository(cli, project: Path) -> None:
    proc = cli("version", "--git-tag", cwd=project)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"✖ {project} is not inside a git repository"
    assert (project / "blocklet.yml").read_text() == META


def test_git_commit_and_tag(cli, project: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.name", "T")
    git("config", "user.email", "t@example.com")
    git("add", ".")
    git("commit", "-q", "-m", "init")
    proc = cli("version", "minor", "--git-tag", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert git("log", "-1", "--format=%s").strip() == "v0.4.0"
    assert git("tag", "--points-at", "HEAD").strip() == "v0.4.0"
    assert git("status", "--porcelain") == ""


def test_missing_meta(cli, tmp_path: Path) -> None:
    proc = cli("version", cwd=tmp_path)
    assert proc.returncode == 4
    assert proc.stderr.splitlines()[0].startswith("✖ no blocklet.yml or blocklet.yaml found")
