"""Version arithmetic (npm semver.inc) and in-place bumps of blocklet.yml / package.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blocklet_cli.core.errors import ConflictError, FileFormatError, NotFoundError, UsageError
from blocklet_cli.core.project import version as versioning


@pytest.mark.parametrize(("current", "release", "preid", "expected"), [
    ("1.2.3", "patch", None, "1.2.4"),
    ("1.2.3", "minor", None, "1.3.0"),
    ("1.2.3", "major", None, "2.0.0"),
    ("1.2.3", "prerelease", None, "1.2.4-0"),
    ("1.2.3", "prepatch", None, "1.2.4-0"),
    ("1.2.3", "preminor", None, "1.3.0-0"),
    ("1.2.3", "premajor", "beta", "2.0.0-beta.0"),
    ("1.2.3-beta.1", "prerelease", "beta", "1.2.3-beta.2"),
    ("1.2.3-alpha.1", "prerelease", "beta", "1.2.3-beta.0"),
    ("1.2.3-beta", "prerelease", "beta", "1.2.3-beta.0"),
    ("1.2.3-0", "prerelease", None, "1.2.3-1"),
    ("1.2.3-alpha.0.x", "prerelease", None, "1.2.3-alpha.1.x"),
    ("1.2.3-x", "prerelease", None, "1.2.3-x.0"),
    ("1.2.3-4", "patch", None, "1.2.3"),
    ("1.2.0-4", "minor", None, "1.2.0"),
    ("1.2.1-4", "minor", None, "1.3.0"),
    ("2.0.0-1", "major", None, "2.0.0"),
    ("2.1.0-1", "major", None, "3.0.0"),
    ("1.2.3-4", "prepatch", None, "1.2.4-0"),
    ("1.2.3+build.5", "patch", None, "1.2.4"),
    ("v1.2.3", "minor", "ignored-for-minor", "1.3.0"),
])
def test_increment_matches_npm_semver(current: str, release: str, preid: str | None, expected: str) -> None:
    assert versioning.increment(current, release, preid) == expected


@pytest.mark.parametrize(("spec", "expected"), [("1.2.3", "1.2.3"), ("v2.0.0", "2.0.0"), ("=3.1.4", "3.1.4"),
                                                 (" v1.0.0-rc.1 ", "1.0.0-rc.1")])
def test_explicit_versions_are_cleaned(spec: str, expected: str) -> None:
    assert versioning.next_version("1.0.0", spec) == expected


@pytest.mark.parametrize("spec", ["1.2", "01.2.3", "1.2.3.4", "latest", "", "v", "1.2.3-"])
def test_invalid_versions_refused(spec: str) -> None:
    with pytest.raises(UsageError, match="invalid version"):
        versioning.next_version("1.0.0", spec)


def test_bad_preid_and_bad_current() -> None:
    with pytest.raises(UsageError, match="--preid"):
        versioning.next_version("1.0.0", "prerelease", "bad id!")
    with pytest.raises(UsageError, match="--preid only goes"):
        versioning.next_version("1.0.0", "2.0.0", "beta")
    with pytest.raises(UsageError, match="not a valid semver"):
        versioning.next_version("one", "patch")
    assert versioning.next_version(None, "patch") == "1.0.1"


COMMENTED = """\
# My blocklet — lots of comments
name: harbor-lights        # the name
did: z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ


# version below is quoted on purpose
version: '0.3.1'   # keep this comment
title: Harbor Lights
description: >-
  Static timetable page
  for a small ferry harbor
files: [blocklet.md, 'screenshots']   # flow list
scripts:
  pre-start: node hooks/pre-start.js   # hyphen key must survive
  version: not-this-one
environments:
  - name: 'A_B'
"""


def project(tmp_path: Path, meta: str = COMMENTED, package: str | None = None) -> Path:
    (tmp_path / "blocklet.yml").write_text(meta, encoding="utf-8")
    if package is not None:
        (tmp_path / "package.json").write_text(package, encoding="utf-8")
    return tmp_path


def test_bump_changes_only_the_version_bytes(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = versioning.bump(root, "minor")
    assert (result.previous, result.version) == ("0.3.1", "0.4.0")
    assert (root / "blocklet.yml").read_text() == COMMENTED.replace("'0.3.1'", "'0.4.0'")
    assert result.to_dict()["from"] == "0.3.1" and result.to_dict()["to"] == "0.4.0"


def test_package_json_updated_keeping_format(tmp_path: Path) -> None:
    package = '{\n    "name": "harbor",\n    "version": "0.3.1",\n    "private": true\n}'  # no newline at end
    root = project(tmp_path, package=package)
    result = versioning.bump(root, "1.0.0")
    assert (root / "package.json").read_text() == package.replace("0.3.1", "1.0.0")
    assert [p.name for p in result.files] == ["blocklet.yml", "package.json"]


def test_no_package_json_option(tmp_path: Path) -> None:
    package = '{"name": "harbor", "version": "0.3.1"}\n'
    root = project(tmp_path, package=package)
    versioning.bump(root, "patch", package_json=False)
    assert (root / "package.json").read_text() == package
    assert "version: '0.3.2'" in (root / "blocklet.yml").read_text()


def test_package_json_without_version_gets_one(tmp_path: Path) -> None:
    root = project(tmp_path, package='{\n  "name": "harbor",\n  "private": true\n}\n')
    versioning.bump(root, "patch")
    assert json.loads((root / "package.json").read_text()) == {"name": "harbor", "version": "0.3.2",
                                                                 "private": True}


def test_missing_version_key_is_added_after_did(tmp_path: Path) -> None:
    root = project(tmp_path, meta="name: a  # n\ndid: z8iZqac6ouXJ6dCJzpNdX2rwnf7vbNLRtR37Q\ntitle: T\n")
    result = versioning.bump(root, "patch")
    assert result.previous is None and result.version == "1.0.1"
    assert (root / "blocklet.yml").read_text() == \
        "name: a  # n\ndid: z8iZqac6ouXJ6dCJzpNdX2rwnf7vbNLRtR37Q\nversion: 1.0.1\ntitle: T\n"


@pytest.mark.parametrize(("spec", "message"), [("0.3.0", "lower than"), ("0.3.1", "already 0.3.1"),
                                               ("v0.3.1", "already")])
def test_downgrade_and_same_refused_unless_forced(tmp_path: Path, spec: str, message: str) -> None:
    package = '{"version": "0.3.1"}'
    root = project(tmp_path, package=package)
    with pytest.raises(ConflictError, match=message):
        versioning.bump(root, spec)
    assert (root / "blocklet.yml").read_text() == COMMENTED
    assert (root / "package.json").read_text() == package
    result = versioning.bump(root, spec, force=True)
    assert result.version == spec.lstrip("v")


def test_errors_leave_files_untouched(tmp_path: Path) -> None:
    root = project(tmp_path, package='{"version": "0.3.1",}')  # broken package.json
    with pytest.raises(FileFormatError, match="invalid JSON"):
        versioning.bump(root, "patch")
    assert (root / "blocklet.yml").read_text() == COMMENTED
    with pytest.raises(NotFoundError):
        versioning.bump(tmp_path / "nowhere", "patch")


def test_invalid_current_version_needs_explicit_version(tmp_path: Path) -> None:
    root = project(tmp_path, meta="name: a\nversion: 1.0\n")
    with pytest.raises(UsageError, match="not a valid semver"):
        versioning.bump(root, "patch")
    versioning.bump(root, "1.0.1")
    assert (root / "blocklet.yml").read_text() == "name: a\nversion: 1.0.1\n"  # plain kept: a string now


def test_without_yml_version_package_json_gives_the_current_one(tmp_path: Path) -> None:
    root = project(tmp_path, meta="name: a\n", package='{"name": "a", "version": "2.4.0"}')
    result = versioning.bump(root, "minor")
    assert (result.previous, result.version) == ("2.4.0", "2.5.0")
    assert (root / "blocklet.yml").read_text() == "name: a\nversion: 2.5.0\n"
    assert (root / "package.json").read_text() == '{"name": "a", "version": "2.5.0"}'
