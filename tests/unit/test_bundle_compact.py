"""Compact mode's pieces that need no bundler: externals, their versions, package.json, stubs, esbuild lookup."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from blocklet_cli.core.bundle import compact, esbuild
from blocklet_cli.core.errors import BundleError


def write_package(folder: Path, data: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps(data), encoding="utf-8")


def test_externals_are_split_on_commas_and_deduplicated():
    assert compact.split_externals(["sharp,canvas", " ws ", "sharp", ""]) == ["sharp", "canvas", "ws"]
    assert compact.split_externals(None) == []


def test_versions_come_from_package_json_then_installed_packages_up_to_the_depth(tmp_path):
    project = tmp_path / "ws" / "packages" / "app"
    manifest = {"dependencies": {"sqlite3": "^5.1.7", "left": "workspace:*"}, "devDependencies": {"ws": "8.18.0"},
                "peerDependencies": {"repo": "github:me/repo"}, "optionalDependencies": {"bad": "latest"}}
    write_package(project, manifest)
    write_package(tmp_path / "ws" / "node_modules" / "left", {"name": "left", "version": "1.2.3"})
    write_package(tmp_path / "ws" / "node_modules" / "bad", {"name": "bad", "version": "0.0.9"})
    externals = ["sqlite3", "ws", "repo", "left", "bad", "sharp"]
    assert compact.resolve_versions(project, manifest, externals, depth=9) == {
        "sqlite3": "^5.1.7", "ws": "8.18.0", "repo": "github:me/repo", "left": "1.2.3", "bad": "0.0.9"}
    # node_modules two levels up is out of reach with a depth of 2 (the project folder and its parent)
    assert compact.resolve_versions(project, manifest, ["left"], depth=2) == {}
    assert compact.resolve_versions(project, manifest, ["*"], depth=9) == manifest["dependencies"]


def test_package_json_without_externals_is_the_common_subset():
    text, removed = compact.compact_package_json({"name": "a", "version": "1.0.0", "scripts": {"x": "y"},
                                                  "private": True}, {})
    assert removed == []
    assert json.loads(text) == {"name": "a", "version": "1.0.0", "dependencies": {}, "externalManager": "bun",
                                "blockletExternalDependencies": []}


def test_package_json_with_externals_keeps_the_project_fields_and_names_them():
    source = {"name": "a", "version": "1.0.0", "type": "module", "private": True, "scripts": {"dev": "x"},
              "devDependencies": {"vite": "5"}, "dependencies": {"express": "4"}, "workspaces": ["x"],
              "publishConfig": {"_authToken": "npm_secret"}}
    text, removed = compact.compact_package_json(source, {"sqlite3": "5.1.7"})
    out = json.loads(text)
    assert removed == ["publishConfig._authToken"] and "npm_secret" not in text
    assert out == {"name": "a", "version": "1.0.0", "type": "commonjs", "private": True, "publishConfig": {},
                   "dependencies": {"sqlite3": "5.1.7"}, "externalManager": "npm",
                   "blockletExternalDependencies": ["sqlite3"], "trustedDependencies": ["sqlite3"]}


@pytest.mark.parametrize(("entry", "expected"), [
    ("api/index.js", "module.exports = require('../blocklet-compact.js')['api/index.js']();"),
    ("index.js", "module.exports = require('./blocklet-compact.js')['index.js']();"),
    ("api/hooks/pre-start.js", "module.exports = require('../../blocklet-compact.js')['api/hooks/pre-start.js']();"),
])
def test_stubs_require_the_compact_file_relative_to_themselves(entry, expected):
    assert compact.stub(entry).decode() == expected


def test_native_packages_are_found_through_the_dependency_tree(tmp_path):
    write_package(tmp_path, {"dependencies": {"orm": "1", "plain": "1"}})
    write_package(tmp_path / "node_modules" / "orm", {"name": "orm", "dependencies": {"driver": "1"}})
    write_package(tmp_path / "node_modules" / "driver", {"name": "driver"})
    (tmp_path / "node_modules" / "driver" / "binding.gyp").write_text("{}")
    write_package(tmp_path / "node_modules" / "plain", {"name": "plain", "gypfile": False})
    assert compact.native_packages(tmp_path) == ["driver"]


def test_esbuild_is_found_in_the_project_or_a_parent_or_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ESBUILD_BINARY_PATH", raising=False)
    project = tmp_path / "repo" / "packages" / "app"
    project.mkdir(parents=True)
    assert esbuild.find_esbuild(project) is None
    old = project / "node_modules" / "esbuild" / "bin" / "esbuild"  # too old: passed over
    old.parent.mkdir(parents=True)
    old.write_text("#!/bin/sh\necho 0.14.54\n")
    old.chmod(0o755)
    assert esbuild.find_esbuild(project) is None
    binary = tmp_path / "repo" / "node_modules" / esbuild.platform_package() / "bin" / "esbuild"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho 0.21.5\n")
    binary.chmod(0o755)
    assert esbuild.find_esbuild(project) == binary
    other = tmp_path / "esbuild"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setenv("ESBUILD_BINARY_PATH", str(other))
    assert esbuild.find_esbuild(project) == other


def test_without_esbuild_and_without_fetching_the_error_says_how_to_add_it(tmp_path, monkeypatch):
    monkeypatch.delenv("ESBUILD_BINARY_PATH", raising=False)
    with pytest.raises(BundleError) as caught:
        esbuild.ensure_esbuild(tmp_path, fetch=False)
    assert str(caught.value) == (f"compact mode needs esbuild: run `npm install --save-dev esbuild@"
                                 f"{esbuild.ESBUILD_VERSION}` in the project (or set ESBUILD_BINARY_PATH)")


def test_the_os_marker_is_what_node_reports(tmp_path):
    import subprocess

    if not os.path.exists("/usr/bin/node") and not any(
            (Path(folder) / "node").exists() for folder in os.environ.get("PATH", "").split(os.pathsep)):
        pytest.skip("node is not installed")
    node = subprocess.run(["node", "-p", "require('os').type()"], capture_output=True, text=True, check=True)
    assert compact.node_os_type() == node.stdout.strip()
