"""Real Node dapps (installed from the npm registry with npm and pnpm, built with vite and tsc) bundled by the
console script in zip and compact modes: each release is expanded into an empty folder with no
`node_modules` above it, started with `node blocklet.js` without NODE_PATH, and answers HTTP 200; the real
@blocklet/meta accepts each bundle and release."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.esbuild import ESBUILD_VERSION
from tests.conftest import REAL_HOME, node_eval
from tests.real_dapps import DAPPS, INSTALLED, RealDapp, expand_release, scratch_copy, started, wait_for_page

pytestmark = pytest.mark.slow

ESBUILD = INSTALLED / "tools" / f"esbuild-{ESBUILD_VERSION}" / "node_modules" / ".bin" / "esbuild"
ORACLE = """
const P = require('@blocklet/meta/lib/parse'); const parse = P.parse || P;
const { validateMeta } = require('@blocklet/meta/lib/validate');
const fs = require('fs');
const [bundle, release] = process.argv.slice(1);
const meta = parse(bundle, { ensureFiles: true });
const dist = validateMeta(JSON.parse(fs.readFileSync(release, 'utf8')), { ensureDist: true });
console.log(JSON.stringify({ main: meta.main, dist: dist.dist }));
"""


def esbuild_env() -> dict[str, str]:
    if not os.access(ESBUILD, os.X_OK):
        pytest.skip(f"esbuild {ESBUILD_VERSION} is not in {ESBUILD.parent}: run scripts/install-real-dapps.sh")
    return {"ESBUILD_BINARY_PATH": str(ESBUILD)}


def bundle(run_blocklet, project: Path, mode: str, *extra: str) -> dict:
    args = ["bundle", str(project), "--create-release", "--json", "--skip-components-check", *extra]
    if mode == "compact":
        args.append("--compact")
    result = run_blocklet(*args, env=esbuild_env(), timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("mode", ["zip", "compact"])
@pytest.mark.parametrize("dapp", DAPPS, ids=lambda dapp: dapp.name)
def test_release_boots_in_an_empty_folder_and_meta_accepts_it(dapp: RealDapp, mode: str, tmp_path, run_blocklet,
                                                              oracle_modules):
    project = scratch_copy(dapp.name, tmp_path / "src") / dapp.blocklet
    document = bundle(run_blocklet, project, mode)
    assert document["mode"] == mode
    bundle_dir = Path(document["bundleDir"])
    files = {item["path"] for item in document["files"]}
    if mode == "compact":
        assert "blocklet-compact.js" in files
        stub = (bundle_dir / _main_of(project)).read_text(encoding="utf-8")
        assert re.fullmatch(r"module\.exports = require\('[./]+/blocklet-compact\.js'\)\['[^']+'\]\(\);", stub), stub
    else:
        assert "blocklet.zip" in files
    checked = node_eval(ORACLE, oracle_modules, str(bundle_dir), document["release"]["meta"])
    assert checked.returncode == 0, checked.stderr
    accepted = json.loads(checked.stdout)
    assert accepted["main"] == ("blocklet.js" if mode == "compact" else "blocklet.zip")

    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    with started(app) as (port, process, log):
        status, body = wait_for_page(port, process, log, dapp.path)
    assert status == 200, body
    assert dapp.expect in body


def _main_of(project: Path) -> str:
    import yaml

    return yaml.safe_load((project / "blocklet.yml").read_text(encoding="utf-8"))["main"]


def test_compact_package_json_lists_the_externals_and_ships_them(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "compact", "--external", "dotenv", "--no-minify", "--source-map")
    bundle_dir = Path(document["bundleDir"])
    package = json.loads((bundle_dir / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"sqlite3": "5.1.7", "dotenv": "16.4.7"}
    assert package["blockletExternalDependencies"] == package["trustedDependencies"] == ["sqlite3", "dotenv"]
    assert "scripts" not in package and "devDependencies" not in package
    compact = (bundle_dir / "blocklet-compact.js").read_text(encoding="utf-8")
    assert 'require("dotenv")' in compact and 'require("sqlite3")' in compact  # left out of the bundle
    assert "\n  " in compact  # --no-minify
    assert (bundle_dir / "blocklet-compact.js.map").is_file()
    hook = (bundle_dir / "api" / "hooks" / "pre-start.js").read_text(encoding="utf-8")
    assert hook == "module.exports = require('../../blocklet-compact.js')['api/hooks/pre-start.js']();"
    assert (bundle_dir / "blocklet.js").read_text(encoding="utf-8") == "require('./api/index.js');\n"
    import zipfile

    with zipfile.ZipFile(bundle_dir / "blocklet.zip") as archive:
        names = set(archive.namelist())
        assert archive.read("node_modules_os_lock") == b"Linux"
    assert "node_modules/sqlite3/build/Release/node_sqlite3.node" in names
    assert "node_modules/dotenv/package.json" in names and "node_modules/bindings/bindings.js" in names
    assert not any("/src/" in name or name.endswith((".o", ".gyp", ".cc")) for name in names)
    # the pre-start hook runs from the expanded release, as the server runs it
    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    env = {key: value for key, value in os.environ.items() if key != "NODE_PATH"}
    ran = subprocess.run(["node", "api/hooks/pre-start.js"], cwd=app, env=env, capture_output=True, text=True,
                         timeout=60)
    assert ran.returncode == 0 and ran.stdout.strip() == "pre-start: Fair winds", ran.stderr


def test_compact_without_shipped_externals_leaves_them_to_the_server(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "compact", "--no-ship-externals")
    bundle_dir = Path(document["bundleDir"])
    assert not (bundle_dir / "blocklet.zip").exists()
    assert json.loads((bundle_dir / "package.json").read_text())["blockletExternalDependencies"] == ["sqlite3"]


def test_compact_without_esbuild_and_without_fetching_is_one_line(tmp_path, run_blocklet):
    project = scratch_copy("quay-workspace", tmp_path / "src") / "packages" / "app"
    env = {key: value for key, value in os.environ.items() if key != "ESBUILD_BINARY_PATH"}
    result = run_blocklet("bundle", str(project), "--compact", "--no-fetch-bundler", env=env)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("✖")]
    assert errors == [f"✖ compact mode needs esbuild: run `npm install --save-dev esbuild@{ESBUILD_VERSION}` in the "
                      "project (or set ESBUILD_BINARY_PATH)"], result.stderr
    assert not (project / ".blocklet" / "bundle").exists()


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_compact_fetches_the_pinned_esbuild_with_npm_into_the_cache(tmp_path, run_blocklet, isolated_home):
    project = scratch_copy("quay-workspace", tmp_path / "src") / "packages" / "app"
    # the real user's npm cache and settings, not the test HOME's
    env = {"npm_config_cache": str(REAL_HOME / ".npm"), "npm_config_userconfig": str(REAL_HOME / ".npmrc")}
    result = run_blocklet("bundle", str(project), "--compact", env={**env, "ESBUILD_BINARY_PATH": ""}, timeout=600)
    assert result.returncode == 0, result.stderr
    fetched = isolated_home / ".cache" / "blocklet" / "esbuild" / ESBUILD_VERSION / "node_modules"
    assert (fetched / "esbuild" / "package.json").is_file()
    assert json.loads((fetched / "esbuild" / "package.json").read_text())["version"] == ESBUILD_VERSION
    assert (project / ".blocklet" / "bundle" / "blocklet-compact.js").is_file()
