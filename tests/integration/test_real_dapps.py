"""Real Node dapps (tests/real_dapps.py: installed from the npm registry with npm and pnpm, built with vite and
tsc) bundled by the console script in zip and compact modes. Each release is expanded like Blocklet Server
expands it into an empty folder with no `node_modules` above it; a compact release's recorded external
dependencies are installed there with the real npm from the registry, as the server installs them before it
starts the app; then `node blocklet.js` runs with NODE_PATH unset and must answer HTTP 200. The real
@blocklet/meta accepts each bundle and release."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.esbuild import ESBUILD_VERSION
from tests import real_dapps
from tests.conftest import REAL_HOME, node_eval
from tests.real_dapps import (
    DAPPS,
    NODE_LIBS,
    RealDapp,
    esbuild_env,
    expand_release,
    install_externals,
    scratch_copy,
    started,
    wait_for_page,
)

pytestmark = pytest.mark.slow

ORACLE = """
const P = require('@blocklet/meta/lib/parse'); const parse = P.parse || P;
const { validateMeta } = require('@blocklet/meta/lib/validate');
const fs = require('fs');
const [bundle, release] = process.argv.slice(1);
const meta = parse(bundle, { ensureFiles: true });
const dist = validateMeta(JSON.parse(fs.readFileSync(release, 'utf8')), { ensureDist: true });
console.log(JSON.stringify({ main: meta.main, dist: dist.dist }));
"""
NATIVE_LEFTOVERS = (".o", ".a", ".cc", ".c", ".gyp", ".mk")


def bundle(run_blocklet, project: Path, mode: str, *extra: str) -> dict:
    args = ["bundle", str(project), "--create-release", "--json", "--skip-components-check", *extra]
    if mode == "compact":
        args.append("--compact")
    result = run_blocklet(*args, env=esbuild_env(), timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def zip_names(document: dict) -> list[str]:
    with zipfile.ZipFile(Path(document["bundleDir"]) / "blocklet.zip") as archive:
        return archive.namelist()


def _main_of(project: Path) -> str:
    import yaml

    return yaml.safe_load((project / "blocklet.yml").read_text(encoding="utf-8"))["main"]


def run_hook(app: Path, script: str) -> subprocess.CompletedProcess:
    """A hook script run from the expanded release, as the server runs it (NODE_PATH unset)."""
    return subprocess.run(["node", script], cwd=app, env=real_dapps.node_env(app), capture_output=True, text=True,
                          timeout=60)


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
        assert "blocklet.zip" not in files  # the externals are the server's to install, as with the reference
        stub = (bundle_dir / _main_of(project)).read_text(encoding="utf-8")
        assert re.fullmatch(r"module\.exports = require\('[./]+/blocklet-compact\.js'\)\['[^']+'\]\(\);", stub), stub
    else:
        assert "blocklet.zip" in files
        assert not any("/.pnpm/" in name for name in zip_names(document))  # a flat npm-style tree, also from pnpm
    checked = node_eval(ORACLE, oracle_modules, str(bundle_dir), document["release"]["meta"])
    assert checked.returncode == 0, checked.stderr
    accepted = json.loads(checked.stdout)
    assert accepted["main"] == ("blocklet.js" if mode == "compact" else "blocklet.zip")

    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    installed = install_externals(app)  # what the server does before it starts the app
    if dapp.name == "harbor-notes-api" and mode == "compact":
        assert installed == {"sqlite3": "5.1.7"}
        assert (app / "node_modules" / "sqlite3" / "build" / "Release" / "node_sqlite3.node").is_file()
    with started(app) as (port, process, log):
        status, body = wait_for_page(port, process, log, dapp.path)
    assert status == 200, body
    assert dapp.expect in body


def test_zip_ships_what_the_app_loads_without_native_build_leftovers(tmp_path, run_blocklet):
    """Express + dotenv + sqlite3 installed with npm (sqlite3 compiled from source)."""
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "zip")
    names = zip_names(document)
    assert "node_modules/express/package.json" in names and "node_modules/body-parser/package.json" in names
    assert "node_modules/sqlite3/build/Release/node_sqlite3.node" in names
    assert not [name for name in names if "obj.target" in name or name.endswith(NATIVE_LEFTOVERS)
                or name.startswith(("node_modules/sqlite3/deps/", "node_modules/sqlite3/src/"))]
    # sqlite3's build-time packages are installed but nothing the app runs loads them
    for absent in ("node-addon-api", "prebuild-install", "node-gyp", "tar"):
        assert (project / "node_modules" / absent / "package.json").is_file()
        assert f"node_modules/{absent}/package.json" not in names
    assert "api/hooks/pre-start.js" not in names  # a `files` entry: shipped once, loose
    assert "api/hooks/pre-start.js" in [item["path"] for item in document["files"]]
    packages = {item["name"] for item in document["trace"]["packages"]}
    assert {"express", "dotenv", "sqlite3", "bindings", "body-parser"} <= packages
    assert document["trace"]["externals"] == {}
    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    hook = run_hook(app, "api/hooks/pre-start.js")
    assert hook.returncode == 0 and hook.stdout.strip() == "pre-start: Fair winds", hook.stderr


def test_popular_server_libraries_boot_from_the_bundle(tmp_path, run_blocklet):
    """Installed with pnpm: exports conditions (uuid, axios), an ES-module-only package (nanoid), pino's
    worker-thread transport, an app worker started from a path, socket.io's client served from its files."""
    project = scratch_copy(NODE_LIBS.name, tmp_path / "src")
    assert (project / "node_modules" / "express").is_symlink()  # pnpm: express's dependencies live under .pnpm
    document = bundle(run_blocklet, project, "zip")
    names = zip_names(document)
    assert not any("/.pnpm/" in name for name in names)
    assert "node_modules/socket.io/client-dist/socket.io.js" in names
    assert "node_modules/pino/lib/worker.js" in names and "node_modules/pino/file.js" in names
    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    log = tmp_path / "app.log"
    with started(app, LOG_FILE=str(log)) as (port, process, node_log):
        status, body = wait_for_page(port, process, node_log)
        client_status, client = real_dapps.http_get(f"http://127.0.0.1:{port}/socket.io/socket.io.js")
    assert status == 200 and json.loads(body) == {
        "uuid": 36, "nanoid": 21, "lodash": 2, "year": 1970, "joi": True, "jwt": 1, "sha3": "0x74",
        "axios": "function", "ws": "function", "square": 49}
    assert client_status == 200 and "socket.io" in client[:200].lower()
    deadline = time.monotonic() + 10
    while not (log.exists() and '"msg":"hit"' in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"msg":"hit"' in log.read_text()  # pino's worker thread wrote it


def test_zip_external_packages_are_left_for_the_server_and_recorded(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "zip", "--external", "sqlite3", "--external", "dotenv,express")
    names = zip_names(document)
    assert not any(name.startswith(("node_modules/sqlite3/", "node_modules/express/", "node_modules/dotenv/",
                                    "node_modules/bindings/")) for name in names)
    installed_version = {name: json.loads((project / "node_modules" / name / "package.json").read_text())["version"]
                         for name in ("sqlite3", "dotenv", "express")}
    assert document["trace"]["externals"] == installed_version
    written = json.loads((Path(document["bundleDir"]) / "package.json").read_text())
    assert written["dependencies"] == installed_version
    assert written["blockletExternalDependencies"] == written["trustedDependencies"] == ["sqlite3", "dotenv", "express"]
    assert written["externalManager"] == "bun"


def test_a_missing_dependency_fails_the_bundle_naming_file_and_specifier(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    shutil.rmtree(project / "node_modules" / "dotenv")
    done = run_blocklet("bundle", "--skip-components-check", cwd=project, timeout=600)
    assert done.returncode != 0
    assert "api/index.js:1: cannot find 'dotenv'" in done.stderr
    assert not (project / ".blocklet" / "bundle").exists()


def test_compact_records_the_externals_for_the_server_to_install(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "compact", "--external", "dotenv", "--no-minify", "--source-map")
    bundle_dir = Path(document["bundleDir"])
    package = json.loads((bundle_dir / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"sqlite3": "5.1.7", "dotenv": "16.4.7"}
    assert package["blockletExternalDependencies"] == package["trustedDependencies"] == ["sqlite3", "dotenv"]
    assert "scripts" not in package and "devDependencies" not in package
    assert not (bundle_dir / "blocklet.zip").exists() and not (bundle_dir / "node_modules").exists()
    compact = (bundle_dir / "blocklet-compact.js").read_text(encoding="utf-8")
    assert 'require("dotenv")' in compact and 'require("sqlite3")' in compact  # left out of the bundle
    assert "\n  " in compact  # --no-minify
    assert (bundle_dir / "blocklet-compact.js.map").is_file()
    hook = (bundle_dir / "api" / "hooks" / "pre-start.js").read_text(encoding="utf-8")
    assert hook == "module.exports = require('../../blocklet-compact.js')['api/hooks/pre-start.js']();"
    assert (bundle_dir / "blocklet.js").read_text(encoding="utf-8") == "require('./api/index.js');\n"
    # the pre-start hook runs from the expanded release once the externals are installed, as on the server
    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    assert "Cannot find module 'dotenv'" in run_hook(app, "api/hooks/pre-start.js").stderr
    assert install_externals(app) == {"sqlite3": "5.1.7", "dotenv": "16.4.7"}
    ran = run_hook(app, "api/hooks/pre-start.js")
    assert ran.returncode == 0 and ran.stdout.strip() == "pre-start: Fair winds", ran.stderr


def test_compact_ship_externals_carries_them_for_servers_without_the_registry(tmp_path, run_blocklet):
    project = scratch_copy("harbor-notes-api", tmp_path / "src")
    document = bundle(run_blocklet, project, "compact", "--ship-externals")
    with zipfile.ZipFile(Path(document["bundleDir"]) / "blocklet.zip") as archive:
        names = set(archive.namelist())
        assert archive.read("node_modules_os_lock") == b"Linux"  # the server's marker: installed for this OS
    assert "node_modules/sqlite3/build/Release/node_sqlite3.node" in names
    assert "node_modules/bindings/bindings.js" in names
    assert not any("/src/" in name or name.endswith(NATIVE_LEFTOVERS) for name in names)
    package = json.loads((Path(document["bundleDir"]) / "package.json").read_text())
    assert package["blockletExternalDependencies"] == ["sqlite3"]  # still recorded: another OS reinstalls it
    app = expand_release(Path(document["release"]["tarball"]), tmp_path / "run")
    assert install_externals(app) == {}  # nothing left to install
    with started(app) as (port, process, log):
        status, body = wait_for_page(port, process, log)
    assert status == 200 and '"sqlite":"3.' in body, body


def test_compact_without_esbuild_and_without_fetching_is_one_line(tmp_path, run_blocklet):
    assert real_dapps.ESBUILD_VERSION == ESBUILD_VERSION  # the install script puts the pinned one in the cache
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
