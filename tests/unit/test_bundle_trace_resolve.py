"""Node's module resolution (core/bundle/trace/resolve.py) on real folders, symlinks included."""

from __future__ import annotations

import json
import os
from pathlib import Path

from blocklet_cli.core.bundle.trace.resolve import PlannedTree, RealTree, Resolver


def write(path: Path, content: str | dict = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if isinstance(content, dict) else content)
    return path


def found(resolver: Resolver, specifier: str, from_file: Path, esm: bool = False) -> str | None:
    result = resolver.resolve(specifier, str(from_file), esm=esm)
    return result.path if result.kind == "file" else result.kind


def test_builtins_files_extensions_indexes_main_json_and_addons(tmp_path: Path) -> None:
    app = write(tmp_path / "api" / "index.js")
    write(tmp_path / "api" / "util.js")
    write(tmp_path / "api" / "data.json", {})
    write(tmp_path / "api" / "addon.node")
    write(tmp_path / "api" / "dir" / "index.js")
    write(tmp_path / "api" / "pkg" / "package.json", {"main": "lib/entry"})
    write(tmp_path / "api" / "pkg" / "lib" / "entry.js")
    write(tmp_path / "api" / "ts" / "mod.ts")
    r = Resolver()
    assert found(r, "fs", app) == "builtin" and found(r, "node:test", app) == "builtin"
    assert found(r, "fs/promises", app) == "builtin"
    assert found(r, "./util", app) == str(tmp_path / "api" / "util.js")
    assert found(r, "./data.json", app) == str(tmp_path / "api" / "data.json")
    assert found(r, "./addon.node", app) == str(tmp_path / "api" / "addon.node")
    assert found(r, "./dir", app) == str(tmp_path / "api" / "dir" / "index.js")
    assert found(r, "./pkg", app) == str(tmp_path / "api" / "pkg" / "lib" / "entry.js")
    assert found(r, "./ts/mod.js", app, esm=True) == str(tmp_path / "api" / "ts" / "mod.ts")  # TS source
    assert found(r, "./missing", app) == "missing"


def test_exports_conditions_subpaths_patterns_and_null(tmp_path: Path) -> None:
    app = write(tmp_path / "index.js")
    pkg = tmp_path / "node_modules" / "dual"
    write(pkg / "package.json", {"name": "dual", "main": "legacy.js", "exports": {
        ".": {"node": {"import": "./esm/index.mjs", "require": "./cjs/index.js"}, "default": "./browser.js"},
        "./feature/*": {"require": "./cjs/features/*.js", "import": "./esm/features/*.mjs"},
        "./feature/internal/*": None,
        "./package.json": "./package.json"}})
    for rel in ("legacy.js", "esm/index.mjs", "cjs/index.js", "browser.js", "cjs/features/a.js",
                "esm/features/a.mjs", "cjs/features/internal/x.js"):
        write(pkg / rel)
    r = Resolver()
    assert found(r, "dual", app) == str(pkg / "cjs" / "index.js")
    assert found(r, "dual", app, esm=True) == str(pkg / "esm" / "index.mjs")
    assert found(r, "dual/feature/a", app) == str(pkg / "cjs" / "features" / "a.js")
    assert found(r, "dual/feature/a", app, esm=True) == str(pkg / "esm" / "features" / "a.mjs")
    assert found(r, "dual/feature/internal/x", app) == "missing"  # the longer pattern maps it to null
    assert found(r, "dual/legacy.js", app) == "missing"  # not exported: exports hide the rest
    assert found(r, "dual/package.json", app) == str(pkg / "package.json")
    write(tmp_path / "node_modules" / "sugar" / "package.json", {"exports": "./main.js"})
    write(tmp_path / "node_modules" / "sugar" / "main.js")
    assert found(r, "sugar", app) == str(tmp_path / "node_modules" / "sugar" / "main.js")


def test_self_reference_and_imports_field(tmp_path: Path) -> None:
    write(tmp_path / "package.json", {"name": "@me/app", "exports": {"./util": "./lib/util.js"}, "imports": {
        "#db": {"node": "./lib/db.js"}, "#dep": "dep", "#cfg/*": "./cfg/*.json"}})
    app = write(tmp_path / "lib" / "index.js")
    write(tmp_path / "lib" / "util.js")
    write(tmp_path / "lib" / "db.js")
    write(tmp_path / "cfg" / "prod.json", {})
    write(tmp_path / "node_modules" / "dep" / "index.js")
    r = Resolver()
    assert found(r, "@me/app/util", app) == str(tmp_path / "lib" / "util.js")
    assert r.resolve("@me/app/util", str(app)).package_dir == str(tmp_path)
    assert found(r, "#db", app) == str(tmp_path / "lib" / "db.js")
    assert found(r, "#cfg/prod", app) == str(tmp_path / "cfg" / "prod.json")
    assert found(r, "#dep", app) == str(tmp_path / "node_modules" / "dep" / "index.js")
    assert found(r, "#nope", app) == "missing"


def test_pnpm_symlinks_resolve_from_the_real_path(tmp_path: Path) -> None:
    """pnpm: node_modules/express → .pnpm/express@4/node_modules/express, whose dependencies are
    siblings there, not in the project's node_modules."""
    store = tmp_path / "node_modules" / ".pnpm"
    express = store / "express@4.0.0" / "node_modules" / "express"
    write(express / "package.json", {"name": "express", "version": "4.0.0"})
    lib = write(express / "index.js", "require('body-parser')")
    body = store / "body-parser@1.0.0" / "node_modules" / "body-parser"
    write(body / "package.json", {"name": "body-parser", "version": "1.0.0"})
    write(body / "index.js")
    os.symlink("../../body-parser@1.0.0/node_modules/body-parser",
               store / "express@4.0.0" / "node_modules" / "body-parser")
    os.symlink(".pnpm/express@4.0.0/node_modules/express", tmp_path / "node_modules" / "express")
    app = write(tmp_path / "index.js")
    r = Resolver()
    result = r.resolve("express", str(app))
    assert result.path == str(lib) and result.package == "express" and result.package_dir == str(express)
    # from the symlinked path, Node walks up from the real path and finds the sibling
    from_link = tmp_path / "node_modules" / "express" / "index.js"
    assert found(r, "body-parser", from_link) == str(body / "index.js")
    assert found(r, "body-parser", app) == "missing"  # not a dependency of the app itself


def test_planned_tree_resolves_bundle_paths(tmp_path: Path) -> None:
    source = write(tmp_path / "src" / "index.js")
    manifest = write(tmp_path / "src" / "package.json", {"name": "a", "main": "index.js"})
    tree = PlannedTree("/bundle", {"node_modules/a/index.js": str(source), "node_modules/a/package.json": str(manifest),
                                   "api/index.js": str(source)}, RealTree())
    r = Resolver(tree)
    assert found(r, "a", Path("/bundle/api/index.js")) == "/bundle/node_modules/a/index.js"
    assert found(r, "b", Path("/bundle/api/index.js")) == "missing"


def test_module_sync_condition_is_what_newer_node_versions_pick(tmp_path: Path) -> None:
    """async-function@1: `{"module-sync": "./require.mjs", "import": …, "default": "./index.js"}` —
    Node 20.19+/22.12+ require `require.mjs`, older ones `index.js`: the tracer ships both."""
    app = write(tmp_path / "index.js")
    pkg = tmp_path / "node_modules" / "async-function"
    write(pkg / "package.json", {"exports": {".": [{"module-sync": "./require.mjs", "import": "./index.mjs",
                                                    "default": "./index.js"}, "./index.js"]}})
    for rel in ("require.mjs", "index.mjs", "index.js"):
        write(pkg / rel)
    r = Resolver()
    assert found(r, "async-function", app) == str(pkg / "index.js")
    assert r.resolve("async-function", str(app), sync=True).path == str(pkg / "require.mjs")
    assert found(r, "async-function", app, esm=True) == str(pkg / "index.mjs")
