"""The test workspaces (tests/fixtures/workspaces/{npm,pnpm}) installed with the real npm and pnpm from the
registry, reusing the package managers' caches (the real user's npm cache; pnpm's store in the test cache).

Each holds two blocklets, `blocklets/api` (wharf-api, using the workspace library `packages/tides`, which
uses `ms`) and `blocklets/site` (wharf-site, using `escape-html`, listing wharf-api as a component by its
store name), and an ignored `drafts/` folder (`.blockletignore`) with a broken blocklet.yml.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CACHE, REAL_HOME, REPO, free_port, serving_process
from tests.real_dapps import PNPM  # scripts/install-real-dapps.sh installs it

FIXTURES = REPO / "tests" / "fixtures" / "workspaces"
KINDS = ("npm", "pnpm")
API, SITE = "wharf-api", "wharf-site"


def _missing(message: str) -> None:
    if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
        pytest.fail(message)
    pytest.skip(message)


def install(kind: str, into: Path) -> Path:
    """A copy of fixture `kind` in `into/kind`, installed with the real package manager."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        _missing("node and npm are needed for the workspace tests")
    if kind == "pnpm" and not os.access(PNPM, os.X_OK):
        _missing(f"pnpm is not installed in {PNPM.parent}: run scripts/install-real-dapps.sh")
    target = into / kind
    shutil.copytree(FIXTURES / kind, target)
    env = {**os.environ, "CI": "1", "npm_config_cache": str(REAL_HOME / ".npm"),
           "npm_config_userconfig": str(REAL_HOME / ".npmrc"), "NO_UPDATE_NOTIFIER": "1",
           "XDG_CACHE_HOME": str(into / ".xdg-cache"), "XDG_DATA_HOME": str(into / ".xdg-data"),
           "XDG_STATE_HOME": str(into / ".xdg-state"), "XDG_CONFIG_HOME": str(into / ".xdg-config")}
    if kind == "npm":
        command = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"]
    else:
        command = [str(PNPM), "install", "--store-dir", str(CACHE / "pnpm-store"), "--prefer-offline",
                   "--no-frozen-lockfile", "--reporter=append-only", "--loglevel=warn"]
    done = subprocess.run(command, cwd=target, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{kind} install failed:\n{done.stdout}\n{done.stderr}"
    return target


def copy_of(installed: Path, into: Path) -> Path:
    """A scratch copy of an installed workspace (symlinks kept as links: the npm and pnpm layouts)."""
    target = into / installed.name
    shutil.copytree(installed, target, symlinks=True)
    return target


def by_name(document: dict) -> dict[str, dict]:
    return {result["name"]: result for result in document["results"]}


# A static web server labelling tarballs `application/octet-stream`, as Blocklet Server requires of a
# component's store (@blocklet/meta util-meta.ts `getBlockletMetaFromUrl` checks the tarball's type);
# Python's http.server calls `.tgz` application/x-tar or application/gzip.
_STORE_SERVER = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      '.tgz': 'application/octet-stream', '.json': 'application/json'}
    def guess_type(self, path):
        return 'application/octet-stream' if str(path).endswith('.tgz') else super().guess_type(path)
    def log_message(self, *args):
        pass
handler = functools.partial(Handler, directory=sys.argv[2])
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()
"""


@contextlib.contextmanager
def store_server(folder: Path) -> Iterator[str]:
    """A file store (`blocklet publish --store <folder>`) served over HTTP; yields its base URL."""
    port = free_port()
    with serving_process([sys.executable, "-c", _STORE_SERVER, str(port), str(folder)], port) as url:
        yield url
