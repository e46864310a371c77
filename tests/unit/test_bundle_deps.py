"""Node production dependency closure (deps.py), on real node_modules trees."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.deps import dependency_closure, zip_layout
from blocklet_cli.core.errors import BundleError


def package(folder: Path, name: str, deps: dict | None = None, optional: dict | None = None,
            dev: dict | None = None, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "version": "1.0.0", "dependencies": deps or {}, "optionalDependencies": optional or {},
            "devDependencies": dev or {}}
    (folder / "package.json").write_text(json.dumps(data))
    for rel, content in (files or {"index.js": "module.exports = 1;"}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(content)
    return folder


def test_transitive_nested_and_hoisted(tmp_path: Path) -> None:
    app = package(tmp_path / "repo" / "packages" / "app", "app", deps={"a": "1"}, dev={"jest": "1"})
    (tmp_path / "repo" / "package-lock.json").write_text("{}")  # the workspace root
    nm = tmp_path / "repo" / "node_modules"
    package(nm / "a", "a", deps={"b": "1", "@s/c": "1"}, files={
        "index.js": "", "lib/x.js": "", "lib/x.js.map": "", "index.d.ts": "", "test/t.js": "", "docs/d.md": "",
        "README.md": "", "src/y.ts": "", ".env": "X=1"})
    package(nm / "a" / "node_modules" / "b", "b")  # nested copy wins over the hoisted one
    package(nm / "b", "b-hoisted")
    package(nm / "@s" / "c", "@s/c")
    package(nm / "jest", "jest")
    found = {p.name: p for p in dependency_closure(app)}
    assert set(found) == {"a", "b", "@s/c"}
    assert found["b"].location == nm / "a" / "node_modules" / "b"
    assert found["a"].files == ["README.md", "index.js", "lib/x.js", "package.json"]
    root, entries = zip_layout(app, list(found.values()))
    assert root == tmp_path / "repo"
    assert sorted(entries) == ["node_modules/@s/c/index.js", "node_modules/@s/c/package.json",
                               "node_modules/a/README.md", "node_modules/a/index.js", "node_modules/a/lib/x.js",
                               "node_modules/a/node_modules/b/index.js", "node_modules/a/node_modules/b/package.json",
                               "node_modules/a/package.json"]


def test_missing_required_is_an_error_missing_optional_is_skipped(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "app", deps={"here": "1"}, optional={"fsevents": "1"})
    package(tmp_path / "app" / "node_modules" / "here", "here", deps={"gone": "1"})
    with pytest.raises(BundleError, match=r"dependency gone of here@1.0.0 is not installed"):
        dependency_closure(app)
    package(tmp_path / "app" / "node_modules" / "gone", "gone")
    assert [p.name for p in dependency_closure(app)] == ["gone", "here"]


def test_cycles_and_symlinked_workspace_packages(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = package(repo / "packages" / "app", "app", deps={"lib": "1"})
    (repo / "pnpm-workspace.yaml").write_text("packages: [packages/*]\n")
    package(repo / "packages" / "lib", "lib", deps={"app": "1"})
    (repo / "node_modules").mkdir()
    os.symlink(repo / "packages" / "lib", repo / "node_modules" / "lib")
    os.symlink(repo / "packages" / "app", repo / "node_modules" / "app")
    found = dependency_closure(app)
    assert sorted(p.name for p in found) == ["app", "lib"]
    _, entries = zip_layout(app, found)
    assert "node_modules/lib/index.js" in entries and entries["node_modules/lib/index.js"].read_text() == \
        "module.exports = 1;"


def test_no_package_json_means_no_dependencies(tmp_path: Path) -> None:
    assert dependency_closure(tmp_path) == []


@pytest.mark.parametrize("name", ["../../other/lib", "..", ".", "/abs/lib", "a/b", "@s/../x", "@s/", "", "x" * 215])
def test_dependency_names_must_be_npm_package_names(name, tmp_path: Path) -> None:
    app = package(tmp_path / "app", "app", deps={name: "1"})
    with pytest.raises(BundleError, match="is not a valid npm package name"):
        dependency_closure(app)


def test_valid_names_include_scoped_and_legacy_upper_case() -> None:
    from blocklet_cli.core.bundle.deps import valid_package_name

    assert all(valid_package_name(n) for n in ("lib", "@scope/lib", "JSONStream", "lodash.merge", "a-b_c~d"))


def test_a_package_found_outside_the_project_and_workspace_is_refused(tmp_path: Path) -> None:
    app = package(tmp_path / "outer" / "app", "app", deps={"far": "1"})
    package(tmp_path / "outer" / "node_modules" / "far", "far")  # above the project, no workspace marker
    with pytest.raises(BundleError, match=r"dependency far of package\.json resolves to .* outside the project"):
        dependency_closure(app)
