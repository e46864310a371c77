"""The one harness for the real test dapps (tests/fixtures/real-dapps): installed and built by
scripts/install-real-dapps.sh with the real npm/pnpm from the registry into the test cache, and helpers to
run a release the way Blocklet Server does. Used by tests/integration/test_real_dapps.py,
tests/e2e/test_real_dapps_server.py and the benchmarks (benchmarks/real_dapps.py, benchmarks/zip_mode.py);
it imports pytest only inside the helpers that skip or fail a test.

A release is expanded like the server expands it (the tarball's `package/` folder, then `blocklet.zip`
unpacked into the same folder and removed) into an empty folder with no `node_modules` above it. Before
it starts, the external dependencies the bundle records (`blockletExternalDependencies`, with their
versions in `dependencies`) are installed into that folder with the real npm from the registry, as the
server installs them (ArcBlock/blocklet-server core/state/lib/util/install-external-dependencies.js, with
Bun); the install is cached per dependency set. Then `node blocklet.js` is started with `NODE_PATH` unset.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BLOCKLET_TEST_CACHE", Path.home() / ".cache" / "blocklet-cli-tests"))
FIXTURES = REPO / "tests" / "fixtures" / "real-dapps"
INSTALLED = CACHE / "real-dapps"
TOOLS = INSTALLED / "tools"
PNPM_VERSION = "9.15.0"  # scripts/install-real-dapps.sh PNPM_VERSION
PNPM = TOOLS / f"pnpm-{PNPM_VERSION}" / "node_modules" / ".bin" / "pnpm"
RECIPE = 2  # scripts/install-real-dapps.sh RECIPE
ESBUILD_VERSION = "0.24.2"  # blocklet_cli/core/bundle/esbuild.py ESBUILD_VERSION (checked by a test)
# Bun: what Blocklet Server 1.17.12 asks for (ArcBlock/blocklet-server core/state/lib/util/ensure-bun.js)
BUN_VERSION = "1.2.18"
ESBUILD = TOOLS / f"esbuild-{ESBUILD_VERSION}" / "node_modules" / ".bin" / "esbuild"
BUN = TOOLS / f"bun-{BUN_VERSION}" / "node_modules" / ".bin" / "bun"
INSTALL_SCRIPT = "scripts/install-real-dapps.sh"
# this process's network namespace at import, before an e2e module joins the server's (which has no
# network): the npm install of externals runs there
_HOST_NET = os.open("/proc/self/ns/net", os.O_RDONLY) if os.path.exists("/proc/self/ns/net") else -1


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


# the shapes of the proof: each is bundled in zip and compact modes, booted and deployed
DAPPS = [
    RealDapp("harbor-notes-api", expect='"sqlite":"3.', build="npm, sqlite3 native addon, dotenv"),
    RealDapp("lantern-vite-dapp", expect="Lantern Schedules", build="pnpm, vite build"),
    RealDapp("tide-nest-api", expect='"service":"tide-nest-api"', build="npm, tsc (NestJS)"),
    RealDapp("quay-workspace", blocklet="packages/app", expect="Welcome aboard", build="npm workspaces"),
]
# popular server libraries (exports conditions, ESM-only packages, worker threads), for the zip tracer
NODE_LIBS = RealDapp("node-libs", expect='"square":49', build="pnpm; pino, socket.io, axios, nanoid, …")
ALL = [*DAPPS, NODE_LIBS]


def fixture_hash(folder: Path) -> str:
    """The install script's hash of a fixture folder (sha256sum lines of its files, sorted, + the recipe)."""
    files = sorted(("./" + path.relative_to(folder).as_posix()).encode() for path in folder.rglob("*")
                   if path.is_file())
    lines = b"".join(hashlib.sha256((folder / name.decode()[2:]).read_bytes()).hexdigest().encode() + b"  " + name
                     + b"\n" for name in files)
    return hashlib.sha256(lines + f"recipe {RECIPE}\n".encode()).hexdigest()[:16]


def installed_path(name: str) -> Path | None:
    """The installed and built copy of fixture `name` for this fixture version, or None."""
    target = INSTALLED / f"{name}-{fixture_hash(FIXTURES / name)}"
    return target if (target / ".done").is_file() else None


def _missing(message: str) -> None:
    import pytest

    if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
        pytest.fail(message)
    pytest.skip(message)


def installed_dapp(name: str) -> Path:
    """installed_path(), or skip the test (fail it in CI) naming the install script."""
    target = installed_path(name)
    if target is None:
        _missing(f"real dapp {name} is not installed for this fixture version: run {INSTALL_SCRIPT}")
        raise AssertionError("unreachable")
    return target


def scratch_copy(name: str, into: Path, source: Path | None = None) -> Path:
    """A copy of the installed dapp (symlinks kept: the pnpm and workspace layouts). Not hard links: the
    bundler refuses project files whose other links lie outside the project."""
    target = into / name
    shutil.copytree(source or installed_dapp(name), target, symlinks=True)
    return target


def esbuild_env() -> dict[str, str]:
    """The environment pointing `bundle --compact` at the esbuild the install script put in the cache."""
    if not os.access(ESBUILD, os.X_OK):
        _missing(f"esbuild {ESBUILD_VERSION} is not in {ESBUILD.parent}: run {INSTALL_SCRIPT}")
    return {"ESBUILD_BINARY_PATH": str(ESBUILD)}


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
    for folder in app.parents:
        assert not (folder / "node_modules").exists(), f"node_modules above {app}: {folder}"
    return app


def node_headers_dir() -> str | None:
    """The prefix holding the running Node's headers (include/node/node_api.h), so native addons compile
    without downloading them; None when they are not installed."""
    node = shutil.which("node")
    prefixes = [Path(node).resolve().parent.parent] if node else []
    for prefix in [*prefixes, Path("/usr"), Path("/usr/local")]:
        if (prefix / "include" / "node" / "node_api.h").is_file():
            return str(prefix)
    return None


def recorded_externals(app: Path) -> dict[str, str]:
    """The external dependencies a bundle leaves to the server: name → the version it records."""
    manifest = app / "package.json"
    if not manifest.is_file():
        return {}
    package = json.loads(manifest.read_text(encoding="utf-8"))
    names = package.get("blockletExternalDependencies") or []
    versions = package.get("dependencies") or {}
    return {name: versions.get(name, "latest") for name in names}


def install_externals(app: Path) -> dict[str, str]:
    """Install the externals `app` records into `app/node_modules` with the real npm from the registry,
    as the server does before it starts the app (it skips the install when they are there). Each
    `name@version` is installed once per Node ABI under the cache (native addons compile from source,
    minutes) and its tree copied in. Returns what was installed."""
    externals = recorded_externals(app)
    if not externals or all((app / "node_modules" / name).exists() for name in externals):
        return {}
    abi = subprocess.run(["node", "-p", "process.versions.modules + '-' + process.platform + '-' + process.arch"],
                         capture_output=True, text=True, check=True).stdout.strip()
    root = INSTALLED / "externals"
    root.mkdir(parents=True, exist_ok=True)
    for name, version in externals.items():
        key = hashlib.sha256(json.dumps([name, version, abi]).encode()).hexdigest()[:16]
        target = root / f"{name.replace('/', '+')}-{key}"
        with open(root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (target / ".done").is_file():
                _npm_install({name: version}, target)
        shutil.copytree(target / "node_modules", app / "node_modules", symlinks=True, dirs_exist_ok=True)
    return externals


def _npm_install(externals: dict[str, str], target: Path) -> None:
    scratch = target.with_name(target.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    (scratch / "package.json").write_text(json.dumps({"name": "externals", "private": True,
                                                      "dependencies": externals}), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "NODE_PATH"}
    env.update(JOBS="2", npm_config_build_from_source="true", npm_config_update_notifier="false",
               npm_config_cache=str(CACHE / "npm-cache"))
    headers = node_headers_dir()
    if headers:
        env["npm_config_nodedir"] = headers
    done = subprocess.run(["npm", "install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=scratch, env=env, capture_output=True, text=True, timeout=1800,
                          preexec_fn=in_host_network)
    if done.returncode != 0:
        raise AssertionError(f"npm install of the externals {externals} failed:\n{done.stderr[-3000:]}")
    (scratch / ".done").touch()
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)


def in_host_network() -> None:
    """In the child before exec: back to the network namespace this process started in (the registry)."""
    if _HOST_NET >= 0 and os.readlink("/proc/self/ns/net") != os.readlink(f"/proc/self/fd/{_HOST_NET}"):
        import ctypes

        if ctypes.CDLL(None, use_errno=True).setns(_HOST_NET, 0x40000000) != 0:
            raise OSError(ctypes.get_errno(), "setns to the host network namespace failed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, *, host: str | None = None, timeout: float = 10) -> tuple[int, str]:
    """GET `url` (with a `Host` header when given): (status, body text), (0, the error) when nothing answered."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


def node_env(app: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process: this one's, NODE_PATH unset, the server's BLOCKLET_* variables."""
    env = {key: value for key, value in os.environ.items() if key != "NODE_PATH"}
    env.update(BLOCKLET_APP_DIR=str(app), NODE_ENV="production", **extra)
    return env


@contextlib.contextmanager
def started(app: Path, **extra_env: str) -> Iterator[tuple[int, subprocess.Popen, Path]]:
    """`node blocklet.js` in `app` with BLOCKLET_PORT set and NODE_PATH unset; yields (port, process, log)."""
    port = free_port()
    log = app.parent / "node.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["node", "blocklet.js"], cwd=app, env=node_env(app, BLOCKLET_PORT=str(port),
                                                                                   **extra_env),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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
            raise AssertionError(f"the app did not answer (exit {process.poll()}): {body}\n{output}")
        time.sleep(0.2)
