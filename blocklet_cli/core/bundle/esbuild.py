"""Finding (or fetching) the esbuild binary that compact mode bundles with.

Looked for in this order: `$ESBUILD_BINARY_PATH`; the project's `node_modules` (and its parents', as
Node would find it): the platform package `@esbuild/<os>-<cpu>/bin/esbuild`, then `esbuild/bin/esbuild`
(0.17 or newer);
the tool's cache (`platformdirs.user_cache_path("blocklet")/esbuild/<version>`). When none is found and
fetching is allowed, the user's own `npm` installs the pinned `esbuild@<version>` into that cache (from the
user's configured registry, under a lock, once). Otherwise a one-line error says how to add it.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from blocklet_cli.core.errors import BundleError

ESBUILD_VERSION = "0.24.2"
MIN_VERSION = (0, 17)  # `--packages=external`; a project's older esbuild (e.g. from an old vite) is passed over
_CPUS = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm", "i686": "ia32"}
_OSES = {"linux": "linux", "darwin": "darwin", "win32": "win32", "freebsd": "freebsd"}


def platform_package() -> str:
    """The npm package holding esbuild's native binary for this machine, e.g. `@esbuild/linux-x64`."""
    import sys

    system = "win32" if sys.platform.startswith("win") else sys.platform.rstrip("0123456789")
    cpu = _CPUS.get(platform.machine().lower(), platform.machine().lower())
    return f"@esbuild/{_OSES.get(system, system)}-{cpu}"


def _candidates(folder: Path) -> list[Path]:
    binary = "esbuild.exe" if os.name == "nt" else "bin/esbuild"
    modules = folder / "node_modules"
    return [modules / platform_package() / binary, modules / "esbuild" / "bin" / "esbuild"]


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _recent_enough(path: Path) -> bool:
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    parts = done.stdout.strip().split(".")
    try:
        return done.returncode == 0 and (int(parts[0]), int(parts[1])) >= MIN_VERSION
    except (ValueError, IndexError):
        return False


def cache_root() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("blocklet") / "esbuild" / ESBUILD_VERSION


def find_esbuild(project: Path) -> Path | None:
    """An esbuild binary the project (or its workspace, or our cache) already has, or None."""
    explicit = os.environ.get("ESBUILD_BINARY_PATH")
    if explicit and _runnable(Path(explicit)):
        return Path(explicit)
    for folder in [project, *project.parents]:
        for candidate in _candidates(folder):
            if _runnable(candidate) and _recent_enough(candidate):
                return candidate
    for candidate in _candidates(cache_root()):
        if _runnable(candidate):
            return candidate
    return None


def _how_to_add() -> str:
    return (f"compact mode needs esbuild: run `npm install --save-dev esbuild@{ESBUILD_VERSION}` in the project "
            "(or set ESBUILD_BINARY_PATH)")


def fetch_esbuild() -> Path:
    """Install the pinned esbuild into the tool's cache with the user's npm; returns the binary."""
    import fcntl

    npm = shutil.which("npm")
    if npm is None:
        raise BundleError(_how_to_add() + "; npm, needed to fetch it, is not on PATH")
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        for candidate in _candidates(root):
            if _runnable(candidate):
                return candidate
        (root / "package.json").write_text('{"name": "blocklet-esbuild-cache", "private": true}\n', encoding="utf-8")
        try:
            done = subprocess.run(
                [npm, "install", "--no-save", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error",
                 f"esbuild@{ESBUILD_VERSION}"], cwd=root, capture_output=True, text=True, timeout=600,
                stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BundleError(f"{_how_to_add()}; fetching it with npm failed: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["npm failed"])[-1]
            raise BundleError(f"{_how_to_add()}; fetching it with npm failed: {last[:300]}")
    for candidate in _candidates(root):
        if _runnable(candidate):
            return candidate
    raise BundleError(f"{_how_to_add()}; npm installed esbuild@{ESBUILD_VERSION} without its "
                      f"{platform_package()} binary")


def ensure_esbuild(project: Path, *, fetch: bool) -> Path:
    """The esbuild binary to use: found, else fetched when `fetch`, else a BundleError naming the fix."""
    found = find_esbuild(project)
    if found is not None:
        return found
    if not fetch:
        raise BundleError(_how_to_add())
    return fetch_esbuild()
