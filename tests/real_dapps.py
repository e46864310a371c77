"""The real test dapps (tests/fixtures/real-dapps), installed by scripts/install-real-dapps.sh with the real
npm/pnpm into the test cache, and helpers to run a release the way Blocklet Server does.

A release is expanded like the server expands it (the tarball's `package/` folder, then `blocklet.zip`
unpacked into the same folder and removed) into an empty folder with no `node_modules` above it, and
started with `node blocklet.js` without NODE_PATH.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CACHE, REPO, free_port

FIXTURES = REPO / "tests" / "fixtures" / "real-dapps"
INSTALLED = CACHE / "real-dapps"
RECIPE = 1  # scripts/install-real-dapps.sh RECIPE


@dataclass(frozen=True)
class RealDapp:
    """One test dapp: its fixture folder name, the blocklet folder inside it, and what its page says."""

    name: str
    blocklet: str = "."
    path: str = "/"
    expect: str = ""
    build: str = "npm"

    @property
    def id(self) -> str:
        return self.name


DAPPS = [
    RealDapp("harbor-notes-api", expect='"sqlite":"3.', build="npm, sqlite3 native addon, dotenv"),
    RealDapp("lantern-vite-dapp", expect="Lantern Schedules", build="pnpm, vite build"),
    RealDapp("tide-nest-api", expect='"service":"tide-nest-api"', build="npm, tsc (NestJS)"),
    RealDapp("quay-workspace", blocklet="packages/app", expect="Welcome aboard", build="npm workspaces"),
]


def fixture_hash(folder: Path) -> str:
    """The install script's hash of a fixture folder (sha256sum lines of its files, sorted, + the recipe)."""
    files = sorted(("./" + path.relative_to(folder).as_posix()).encode() for path in folder.rglob("*")
                   if path.is_file())
    lines = b"".join(hashlib.sha256((folder / name.decode()[2:]).read_bytes()).hexdigest().encode() + b"  " + name
                     + b"\n" for name in files)
    return hashlib.sha256(lines + f"recipe {RECIPE}\n".encode()).hexdigest()[:16]


def installed_dapp(name: str) -> Path:
    """The installed and built copy of fixture `name`; skips (fails in CI) when it is missing or stale."""
    target = INSTALLED / f"{name}-{fixture_hash(FIXTURES / name)}"
    if not (target / ".done").is_file():
        message = f"real dapp {name} is not installed for this fixture version: run scripts/install-real-dapps.sh"
        if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
            pytest.fail(message)
        pytest.skip(message)
    return target


def scratch_copy(name: str, into: Path) -> Path:
    """A copy of the installed dapp (symlinks kept: the pnpm and workspace layouts). Not hard links: the
    bundler refuses project files whose other links lie outside the project."""
    target = into / name
    shutil.copytree(installed_dapp(name), target, symlinks=True)
    return target


def expand_release(tarball: Path, into: Path) -> Path:
    """Expand a release as Blocklet Server does: `package/` out of the tarball, then blocklet.zip."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(into, filter="data")
    app = into / "package"
    bundle_zip = app / "blocklet.zip"
    if bundle_zip.is_file():
        with zipfile.ZipFile(bundle_zip) as archive:
            archive.extractall(app)
        bundle_zip.unlink()
    for folder in [app, *app.parents]:
        assert not (folder / "node_modules").is_dir() or folder == app, f"node_modules above {app}: {folder}"
    return app


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


@contextlib.contextmanager
def started(app: Path) -> Iterator[tuple[int, subprocess.Popen, Path]]:
    """`node blocklet.js` in `app` with BLOCKLET_PORT set and NODE_PATH unset; yields (port, process, log)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "NODE_PATH"}
    env.update(BLOCKLET_PORT=str(port), BLOCKLET_APP_DIR=str(app), NODE_ENV="production")
    log = app.parent / "node.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["node", "blocklet.js"], cwd=app, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        yield port, process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_page(port: int, process: subprocess.Popen, log: Path, path: str = "/",
                  timeout: float = 60) -> tuple[int, str]:
    """The first answer other than "connection refused"; fails with the app's log if the process dies."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = http_get(f"http://127.0.0.1:{port}{path}")
        if status:
            return status, body
        if process.poll() is not None or time.monotonic() > deadline:
            output = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            pytest.fail(f"the app did not answer (exit {process.poll()}): {body}\n{output}")
        time.sleep(0.2)
