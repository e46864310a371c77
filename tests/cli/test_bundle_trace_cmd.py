"""`blocklet bundle` zip mode through the real console script: tracer reports, --external, refusals."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path


def write(path: Path, content: str | dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if isinstance(content, dict) else content)


def plugin_project(project_copy) -> Path:
    root = project_copy("node-dapp")
    index = root / "api" / "index.js"
    index.write_text("require('plugin-host');\n" + index.read_text())
    host = root / "node_modules" / "plugin-host"
    write(host / "package.json", {"name": "plugin-host", "version": "2.1.0", "main": "lib/index.js"})
    write(host / "lib" / "index.js", "module.exports = (name) => require('./plugins/' + name);\n")
    write(host / "lib" / "plugins" / "csv.js", "module.exports = 'csv';\n")
    return root


def test_verbose_and_json_say_where_non_literal_requires_are(project_copy, run_blocklet) -> None:
    root = plugin_project(project_copy)
    done = run_blocklet("-v", "bundle", "--skip-components-check", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "node_modules/plugin-host/lib/index.js:1: non-literal require('./plugins/' + name)" in done.stderr
    assert "whole package plugin-host shipped" in done.stderr
    assert "package plugin-host@2.1.0: 3 files — whole package: non-literal require" in done.stderr
    with zipfile.ZipFile(root / ".blocklet" / "bundle" / "blocklet.zip") as archive:
        assert "node_modules/plugin-host/lib/plugins/csv.js" in archive.namelist()
    quiet = run_blocklet("bundle", "--skip-components-check", cwd=root)
    assert "non-literal" not in quiet.stderr  # only with --verbose
    data = json.loads(run_blocklet("bundle", "--skip-components-check", "--json", cwd=root).stdout)
    assert data["trace"]["nonLiteral"] == [{"file": "node_modules/plugin-host/lib/index.js", "line": 1,
                                            "message": "non-literal require('./plugins/' + name)",
                                            "package": "plugin-host"}]
    assert {"name": "plugin-host", "version": "2.1.0", "files": 3,
            "whole": "non-literal require at node_modules/plugin-host/lib/index.js:1"} in data["trace"]["packages"]


def test_external_everything_and_bad_external_names(project_copy, run_blocklet) -> None:
    root = project_copy("node-dapp")
    done = run_blocklet("bundle", "--skip-components-check", "--external", "*", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["trace"]["externals"] == {"tiny-slug": "^1.0.2"}  # `*`: the ranges package.json asks for
    assert not any(name.startswith("node_modules/") for name in data["zipEntries"])
    written = json.loads((root / ".blocklet" / "bundle" / "package.json").read_text())
    assert written["dependencies"] == {"tiny-slug": "^1.0.2"}
    assert written["blockletExternalDependencies"] == written["trustedDependencies"] == ["tiny-slug"]
    bad = run_blocklet("bundle", "--skip-components-check", "--external", "../evil", cwd=root)
    assert bad.returncode == 2 and "not a valid npm package name" in bad.stderr
    unknown = run_blocklet("bundle", "--skip-components-check", "--external", "left-pad", cwd=root)
    assert unknown.returncode != 0 and "left-pad" in unknown.stderr and "version is unknown" in unknown.stderr


def test_a_dependency_linked_from_outside_the_project_is_refused(project_copy, run_blocklet, tmp_path: Path) -> None:
    root = project_copy("node-dapp")
    outside = tmp_path / "outside" / "tiny-slug"
    (root / "node_modules" / "tiny-slug").rename(outside.parent.mkdir(parents=True) or outside)
    os.symlink(outside, root / "node_modules" / "tiny-slug")
    done = run_blocklet("bundle", "--skip-components-check", cwd=root)
    assert done.returncode == 6 and "resolves to" in done.stderr and "outside the project" in done.stderr
    assert not (root / ".blocklet" / "bundle").exists()


def test_workspace_package_linked_into_node_modules_ships_as_real_files(project_copy, run_blocklet,
                                                                        tmp_path: Path) -> None:
    """pnpm/yarn workspaces: `node_modules/@me/lib` links to `packages/lib`, whose own dependency is
    hoisted to the workspace root. The bundle holds both as plain folders and Node finds them."""
    import subprocess

    from blocklet_cli.core.safe_extract import extract_zip

    workspace = tmp_path / "ws"
    app = project_copy("node-dapp", workspace / "packages" / "app")
    write(workspace / "pnpm-workspace.yaml", "packages:\n  - packages/*\n")
    write(workspace / "packages" / "lib" / "package.json", {"name": "@me/lib", "version": "0.1.0", "main": "index.js"})
    write(workspace / "packages" / "lib" / "index.js", "const k = require('kebab');\nmodule.exports = (s) => k(s);\n")
    write(workspace / "node_modules" / "kebab" / "package.json", {"name": "kebab", "version": "3.0.0"})
    write(workspace / "node_modules" / "kebab" / "index.js",
          "module.exports = (s) => s.toLowerCase().split(' ').join('-');\n")
    (app / "node_modules" / "@me").mkdir(parents=True)
    os.symlink("../../../lib", app / "node_modules" / "@me" / "lib")
    index = app / "api" / "index.js"
    index.write_text("require('@me/lib');\n" + index.read_text())
    done = run_blocklet("bundle", "--skip-components-check", "--json", cwd=app)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)["zipEntries"]
    assert {"node_modules/@me/lib/index.js", "node_modules/@me/lib/package.json", "node_modules/kebab/index.js"} <= set(
        entries)
    expanded = tmp_path / "expanded"
    extract_zip(app / ".blocklet" / "bundle" / "blocklet.zip", expanded)
    assert not (expanded / "node_modules" / "@me" / "lib").is_symlink()
    out = subprocess.run(["node", "-p", "require('@me/lib')('Gull Island')"], cwd=expanded, capture_output=True,
                         text=True, env={"PATH": os.environ["PATH"]}, timeout=60)
    assert out.stdout.strip() == "gull-island", out.stderr
