"""Zip mode's tracer on real folders (core/bundle/trace): what ships, what is reported, what is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.trace import layout_packages, trace_app, valid_package_name, verify_bundle
from blocklet_cli.core.errors import BundleError, UnsafePathError


def write(path: Path, content: str | dict = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if isinstance(content, dict) else content)
    return path


def pkg(root: Path, name: str, files: dict[str, str], **manifest) -> Path:
    folder = root / "node_modules" / name
    write(folder / "package.json", {"name": name, "version": "1.0.0", **manifest})
    for rel, text in files.items():
        write(folder / rel, text)
    return folder


def shipped(trace) -> dict[str, list[str]]:
    return {package.name: sorted(package.files) for package in trace.packages.values()}


def test_only_reached_code_ships_plus_assets_and_unused_packages_stay_out(tmp_path: Path) -> None:
    write(tmp_path / "api" / "index.js", "const a = require('a');\nrequire('./libs/x')")
    write(tmp_path / "api" / "libs" / "x.js", "module.exports = require('a/extra')")
    pkg(tmp_path, "a", {"index.js": "require('./lib/used')", "lib/used.js": "", "lib/unused.js": "require('b')",
                        "extra.js": "", "data/table.dat": "x", "README.md": "docs", "LICENSE": "MIT",
                        "test/a.test.js": "", "types.d.ts": ""})
    pkg(tmp_path, "b", {"index.js": ""})
    trace = trace_app(tmp_path, ["api/index.js"])
    assert shipped(trace) == {"a": ["LICENSE", "data/table.dat", "extra.js", "index.js", "lib/used.js", "package.json"]}
    assert sorted(os.path.relpath(path, tmp_path) for path in trace.app_files) == ["api/index.js", "api/libs/x.js"]
    assert trace.root_deps == {"a": os.path.realpath(tmp_path / "node_modules" / "a")}


def test_non_literal_require_in_a_package_ships_the_whole_package_and_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "index.js", "require('plugins')")
    pkg(tmp_path, "plugins", {"index.js": "module.exports = (n) => require('./impl/' + n)",
                              "impl/one.js": "require('dep')", "impl/two.js": ""})
    pkg(tmp_path, "dep", {"index.js": ""})
    trace = trace_app(tmp_path, ["index.js"])
    plugins = next(item for item in trace.packages.values() if item.name == "plugins")
    assert plugins.whole and "non-literal" in plugins.whole
    assert {"impl/one.js", "impl/two.js"} <= plugins.files
    assert "dep" in shipped(trace)  # the whole package's files are traced too
    assert [(note.file, note.line, note.package) for note in trace.non_literal] == [
        ("node_modules/plugins/index.js", 1, "plugins")]


def test_non_literal_require_in_the_app_traces_all_app_code(tmp_path: Path) -> None:
    write(tmp_path / "api" / "index.js", "for (const f of ['r']) require('./routes/' + f)")
    write(tmp_path / "api" / "routes" / "r.js", "require('dep')")
    pkg(tmp_path, "dep", {"index.js": ""})
    trace = trace_app(tmp_path, ["api/index.js"], app_code=["api/index.js", "api/routes/r.js"])
    assert "dep" in shipped(trace) and trace.non_literal[0].package is None


def test_missing_modules_error_in_app_code_and_are_noted_in_packages_or_try_blocks(tmp_path: Path) -> None:
    write(tmp_path / "index.js", "try { require('optional') } catch {}\nrequire('dep')")
    pkg(tmp_path, "dep", {"index.js": "try { require('bufferutil') } catch (e) {}\n"
                                      "function pg() { return require('pg') }"})
    trace = trace_app(tmp_path, ["index.js"])
    assert [(note.file, note.line) for note in trace.unresolved] == [
        ("index.js", 1), ("node_modules/dep/index.js", 1), ("node_modules/dep/index.js", 2)]
    write(tmp_path / "index.js", "require('dep');\nrequire('dotenv')")
    with pytest.raises(BundleError, match=r"index.js:2: cannot find 'dotenv'"):
        trace_app(tmp_path, ["index.js"])


def test_externals_are_left_out(tmp_path: Path) -> None:
    write(tmp_path / "index.js", "require('sqlite3'); require('dep')")
    pkg(tmp_path, "dep", {"index.js": ""})
    trace = trace_app(tmp_path, ["index.js"], externals=["sqlite3"])  # not even installed: the server installs it
    assert list(shipped(trace)) == ["dep"]


def test_symlinks_out_of_the_workspace_and_bad_names_are_refused(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    write(project / "index.js", "require('linked')")
    write(elsewhere / "linked" / "package.json", {"name": "linked"})
    write(elsewhere / "linked" / "index.js")
    (project / "node_modules").mkdir()
    os.symlink(elsewhere / "linked", project / "node_modules" / "linked")
    with pytest.raises(UnsafePathError, match="outside the workspace"):
        trace_app(project, ["index.js"])
    # a workspace that holds both is fine: the link's target is copied as real files
    trace = trace_app(project, ["index.js"], boundary=tmp_path)
    assert shipped(trace) == {"linked": ["index.js", "package.json"]}
    write(project / "index.js", "require('@x/../../etc')")
    with pytest.raises(UnsafePathError, match="not a valid npm package name"):
        trace_app(project, ["index.js"], boundary=tmp_path)
    assert valid_package_name("@scope/name.js") and valid_package_name("JSONStream")
    assert not valid_package_name("..") and not valid_package_name("a/b") and not valid_package_name(".bin")


def test_planned_bundle_is_checked(tmp_path: Path) -> None:
    write(tmp_path / "index.js", "require('a')")
    pkg(tmp_path, "a", {"index.js": ""})
    trace = trace_app(tmp_path, ["index.js"])
    entries, _ = layout_packages(trace)
    assert sorted(entries) == ["node_modules/a/index.js", "node_modules/a/package.json"]
    files = {"index.js": tmp_path / "index.js", **entries}
    verify_bundle(trace, files)
    del files["node_modules/a/index.js"]
    with pytest.raises(BundleError, match=r"index.js:1: 'a' would load nothing in the bundle"):
        verify_bundle(trace, files)


def test_both_module_sync_and_plain_targets_ship(tmp_path: Path) -> None:
    write(tmp_path / "index.js", "require('af')")
    pkg(tmp_path, "af", {"require.mjs": "", "index.js": ""},
        exports={".": {"module-sync": "./require.mjs", "default": "./index.js"}})
    trace = trace_app(tmp_path, ["index.js"])
    assert shipped(trace) == {"af": ["index.js", "package.json", "require.mjs"]}
    entries, _ = layout_packages(trace)
    verify_bundle(trace, {"index.js": tmp_path / "index.js", **entries})


def test_scripts_started_without_require_ship_too(tmp_path: Path) -> None:
    """pino-style transports: `new Worker(join(__dirname, 'worker.js'))`; `new URL('./w.mjs', import.meta.url)`."""
    write(tmp_path / "index.js", "require('logger')")
    pkg(tmp_path, "logger", {
        "index.js": "const { join } = require('path');\nnew Worker(join(__dirname, 'lib', 'worker.js'));\n"
                    "new Worker(new URL('./esm/w.mjs', import.meta.url));",
        "lib/worker.js": "require('stream-dep')", "esm/w.mjs": "", "lib/unrelated.js": ""})
    pkg(tmp_path, "stream-dep", {"index.js": ""})
    trace = trace_app(tmp_path, ["index.js"])
    assert shipped(trace)["logger"] == ["esm/w.mjs", "index.js", "lib/worker.js", "package.json"]
    assert "stream-dep" in shipped(trace)  # the worker's own modules are traced


def test_misses_only_files_scripts_load_are_notes(tmp_path: Path) -> None:
    """A `files` script may be browser code importing what the server never installs."""
    write(tmp_path / "api" / "index.js", "require('./shared')")
    write(tmp_path / "api" / "shared.js", "")
    write(tmp_path / "public" / "app.js", "import React from 'react';\nimport '../api/shared.js'")
    trace = trace_app(tmp_path, ["api/index.js"], lenient_roots=["public/app.js"])
    assert [(note.file, note.line) for note in trace.unresolved] == [("public/app.js", 1)]
    with pytest.raises(BundleError, match=r"public/app\.js:1: cannot find 'react'"):
        trace_app(tmp_path, ["api/index.js", "public/app.js"])


def test_trailing_slash_specifiers_pick_the_package_not_the_builtin(tmp_path: Path) -> None:
    """readable-stream: `require('string_decoder/')` is the npm package, in the source and in the bundle."""
    write(tmp_path / "index.js", "require('string_decoder/')")
    pkg(tmp_path, "string_decoder", {"lib/string_decoder.js": ""}, main="lib/string_decoder.js")
    trace = trace_app(tmp_path, ["index.js"])
    assert shipped(trace) == {"string_decoder": ["lib/string_decoder.js", "package.json"]}
    entries, _ = layout_packages(trace)
    verify_bundle(trace, {"index.js": tmp_path / "index.js", **entries})


def test_external_versions_installed_ranges_and_refusals(tmp_path: Path) -> None:
    from blocklet_cli.core.bundle.deps import external_versions
    from blocklet_cli.core.errors import NotFoundError, UsageError

    pkg(tmp_path, "sqlite3", {"index.js": ""}, version="5.1.7")
    manifest = {"dependencies": {"sqlite3": "^5.0.0", "sharp": "^0.33.0"}}
    assert external_versions(tmp_path, ["sqlite3", "sharp"], manifest) == {"sqlite3": "5.1.7", "sharp": "^0.33.0"}
    assert external_versions(tmp_path, ["*"], manifest) == manifest["dependencies"]
    with pytest.raises(UsageError):
        external_versions(tmp_path, ["../x"], manifest)
    with pytest.raises(NotFoundError):
        external_versions(tmp_path, ["left-pad"], manifest)
    with pytest.raises(UnsafePathError):
        external_versions(tmp_path, ["*"], {"dependencies": {"../../etc": "1"}})
