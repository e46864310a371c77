"""Zip mode on real projects: an Express + dotenv + sqlite3 (native addon, compiled from source) dapp
installed from the npm registry with the real npm and the real pnpm (scripts/install-dapp-projects.sh,
cached under ~/.cache/blocklet-cli-tests/dapps). Each is bundled with the real console script,
expanded like Blocklet Server does (release tarball, then blocklet.zip) into an empty folder with no
`node_modules` above it, and booted with `node blocklet.js` without NODE_PATH: it must answer HTTP 200.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from blocklet_cli.core.safe_extract import extract_tar, extract_zip
from tests.conftest import CACHE, REAL_HOME, REPO, free_port

pytestmark = pytest.mark.slow
FIXTURES = REPO / "tests" / "fixtures" / "dapps"
INSTALL = REPO / "scripts" / "install-dapp-projects.sh"


@pytest.fixture(scope="session")
def installed() -> dict[tuple[str, str], Path]:
    """(project, package manager) → the cached install (package.json, lockfile, node_modules)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required (apt-get install nodejs npm)")
    env = {**os.environ, "HOME": str(REAL_HOME), "BLOCKLET_TEST_CACHE": str(CACHE)}  # the shared cache
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=3000, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = {}
    for line in done.stdout.splitlines():
        if " ready in " in line:
            head, path = line.split(" ready in ")
            name, manager = head.split(": ", 1)[1].split(" (")
            found[(name, manager.rstrip(")"))] = Path(path.strip())
    return found


def make_project(installed: dict, name: str, manager: str, into: Path) -> Path:
    """The fixture's sources plus its real installed node_modules (pnpm's symlinks kept as they are)."""
    project = into / name
    shutil.copytree(FIXTURES / name, project)
    source = installed[(name, manager)]
    shutil.copytree(source / "node_modules", project / "node_modules", symlinks=True)
    for lockfile in ("package-lock.json", "pnpm-lock.yaml"):
        if (source / lockfile).is_file():
            shutil.copy2(source / lockfile, project / lockfile)
    return project


def bundle(run_blocklet, project: Path, *args: str) -> dict:
    done = run_blocklet("bundle", "--create-release", "--json", "--skip-components-check", *args, cwd=project,
                        timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def expand_like_the_server(result: dict, into: Path) -> Path:
    tarball = Path(result["release"]["tarball"])
    extract_tar(tarball, into)
    app = into / "package"
    extract_zip(app / "blocklet.zip", app)
    return app


def boot_and_get(app: Path, port: int, *paths: str, env: dict | None = None) -> list[tuple[int, str]]:
    """Start `node blocklet.js` (no NODE_PATH) and GET `/` and `paths`: (status, body) each."""
    env = {"PATH": os.environ["PATH"], "BLOCKLET_PORT": str(port), "HOME": str(app), **(env or {})}
    process = subprocess.Popen(["node", "blocklet.js"], cwd=app, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answers = []
                for path in ("/", *paths):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                        answers.append((answer.status, answer.read().decode()))
                return answers
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"the app exited with {process.returncode}: {process.stderr.read()[-3000:]}")
                if time.monotonic() > deadline:
                    pytest.fail("the app did not answer within 60 s")
                time.sleep(0.2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("manager", ["npm", "pnpm"])
def test_express_sqlite_dapp_boots_from_its_bundle_alone(installed, manager: str, tmp_path: Path, run_blocklet) -> None:
    project = make_project(installed, "express-sqlite", manager, tmp_path / "src")
    if manager == "pnpm":  # the layout that used to break: express's dependencies live under .pnpm
        assert (project / "node_modules" / "express").is_symlink()
    result = bundle(run_blocklet, project)
    with zipfile.ZipFile(Path(result["bundleDir"]) / "blocklet.zip") as archive:
        names = archive.namelist()
    assert not any("/.pnpm/" in name for name in names)
    assert "node_modules/express/package.json" in names and "node_modules/body-parser/package.json" in names
    assert "node_modules/sqlite3/build/Release/node_sqlite3.node" in names
    assert not [name for name in names if "obj.target" in name or name.endswith((".o", ".a", ".cc", ".c", ".gyp"))
                or name.startswith(("node_modules/sqlite3/deps/", "node_modules/sqlite3/src/"))]
    # build-time and dev-only packages, and packages only unused code would load, stay out
    for absent in ("node-addon-api", "prebuild-install", "node-gyp", "tar", "left-pad"):
        assert f"node_modules/{absent}/package.json" not in names
    assert "hooks/pre-start.js" not in names  # a `files` entry: shipped once, loose
    assert "hooks/pre-start.js" in [item["path"] for item in result["files"]]
    packages = {item["name"] for item in result["trace"]["packages"]}
    assert {"express", "dotenv", "sqlite3", "bindings", "body-parser"} <= packages
    assert result["trace"]["externals"] == {}

    server_dir = tmp_path / "server" / "app"  # an empty folder, no node_modules anywhere above it
    server_dir.mkdir(parents=True)
    assert not any((folder / "node_modules").exists() for folder in server_dir.parents)
    app = expand_like_the_server(result, server_dir)
    hook = subprocess.run(["node", "hooks/pre-start.js"], cwd=app, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"]})
    assert hook.returncode == 0 and "pre-start ok" in hook.stdout, hook.stderr
    [(status, body)] = boot_and_get(app, free_port())
    assert status == 200 and json.loads(body) == {"greeting": "hello from sqlite", "engine": "express"}


@pytest.mark.parametrize("manager", ["npm", "pnpm"])
def test_popular_server_libraries_boot_from_the_bundle(installed, manager: str, tmp_path: Path, run_blocklet) -> None:
    """exports conditions (uuid, axios), an ES-module-only package (nanoid), pino's worker-thread
    transport, an app worker started from a path, socket.io's client served from its files."""
    project = make_project(installed, "node-libs", manager, tmp_path / "src")
    result = bundle(run_blocklet, project)
    with zipfile.ZipFile(Path(result["bundleDir"]) / "blocklet.zip") as archive:
        names = archive.namelist()
    assert "node_modules/socket.io/client-dist/socket.io.js" in names
    assert "node_modules/pino/lib/worker.js" in names and "node_modules/pino/file.js" in names
    server_dir = tmp_path / "server" / "app"
    server_dir.mkdir(parents=True)
    app = expand_like_the_server(result, server_dir)
    log = tmp_path / "app.log"
    (status, body), (client_status, client) = boot_and_get(app, free_port(), "/socket.io/socket.io.js",
                                                           env={"LOG_FILE": str(log)})
    assert status == 200 and json.loads(body) == {
        "uuid": 36, "nanoid": 21, "lodash": 2, "year": 1970, "joi": True, "jwt": 1, "sha3": "0x74",
        "axios": "function", "ws": "function", "square": 49}
    assert client_status == 200 and "socket.io" in client[:200].lower()
    deadline = time.monotonic() + 10
    while not (log.exists() and '"msg":"hit"' in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"msg":"hit"' in log.read_text()  # pino's worker thread wrote it


def test_external_packages_are_left_for_the_server_and_recorded(installed, tmp_path: Path, run_blocklet) -> None:
    project = make_project(installed, "express-sqlite", "pnpm", tmp_path / "src")
    result = bundle(run_blocklet, project, "--external", "sqlite3", "--external", "dotenv,express")
    with zipfile.ZipFile(Path(result["bundleDir"]) / "blocklet.zip") as archive:
        names = archive.namelist()
    assert not any(name.startswith(("node_modules/sqlite3/", "node_modules/express/", "node_modules/dotenv/",
                                    "node_modules/bindings/")) for name in names)
    installed_version = {name: json.loads((project / "node_modules" / name / "package.json").read_text())["version"]
                         for name in ("sqlite3", "dotenv", "express")}
    assert result["trace"]["externals"] == installed_version
    written = json.loads((Path(result["bundleDir"]) / "package.json").read_text())
    assert written["dependencies"] == installed_version
    assert written["blockletExternalDependencies"] == written["trustedDependencies"] == ["sqlite3", "dotenv", "express"]
    assert written["externalManager"] == "bun"


def test_a_missing_dependency_fails_the_bundle_naming_file_and_specifier(installed, tmp_path: Path,
                                                                         run_blocklet) -> None:
    project = make_project(installed, "express-sqlite", "npm", tmp_path / "src")
    shutil.rmtree(project / "node_modules" / "dotenv")
    done = run_blocklet("bundle", "--skip-components-check", cwd=project, timeout=600)
    assert done.returncode != 0
    assert "api/index.js:1: cannot find 'dotenv'" in done.stderr
    assert not (project / ".blocklet" / "bundle").exists()
