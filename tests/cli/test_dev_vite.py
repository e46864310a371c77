"""A real Vite dev server (vite 5 + vite-plugin-blocklet, as the create-blocklet templates use it) run by
`blocklet dev --component --app-did=<did>` (the templates' `dev:child` command line) under `/vite-app`, reached
through the dev gateway: the page, a module asset and the HMR WebSocket handshake.

Vite comes from scripts/install-vite.sh (cached in ~/.cache/blocklet-cli-tests/vite)."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
from pathlib import Path

import pytest

from tests.cli.test_dev_cmd import DevProcess, fetch
from tests.conftest import CACHE

VITE = CACHE / "vite" / "node_modules"
APP_DID = "z8iZh2mTeyA7BVrM6238EMmB5amJ6YPyZ35nf"  # `blocklet did some-app`


BLOCKLET_YML = """\
name: vite-app
did: z8ia3uPodVBwjkoPQjhGRsnRURt447dwUFLyB
version: 1.0.0
title: Vite app
description: A Vite dev server under a mount point
group: dapp
main: index.js
scripts:
  dev: node node_modules/vite/bin/vite.js --strictPort
interfaces:
  - type: web
    name: publicUrl
    path: /
    prefix: '*'
    port: BLOCKLET_PORT
    protocol: http
specVersion: 1.2.8
"""
VITE_CONFIG = """\
import { createBlockletPlugin } from 'vite-plugin-blocklet';

export default {
  plugins: [createBlockletPlugin({ disableNodePolyfills: true })],
  server: { host: '127.0.0.1' },
  clearScreen: false,
};
"""
INDEX_HTML = """\
<!doctype html>
<html><head><title>vite under a mount point</title></head>
<body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>
"""


@pytest.fixture
def vite_project(tmp_path: Path) -> Path:
    if not (VITE / "vite" / "bin" / "vite.js").is_file():
        message = f"Vite is not installed in {VITE}: run scripts/install-vite.sh"
        if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):  # CI (`.ci/run`) installs it: missing there is a failure
            pytest.fail(message)
        pytest.skip(message)
    project = tmp_path / "vite-app"
    (project / "src").mkdir(parents=True)
    (project / "node_modules").symlink_to(VITE, target_is_directory=True)
    (project / "blocklet.yml").write_text(BLOCKLET_YML)
    (project / "vite.config.mjs").write_text(VITE_CONFIG)
    (project / "index.html").write_text(INDEX_HTML)
    (project / "index.js").write_text("// built entry (unused in dev)\n")
    (project / "src" / "main.js").write_text("document.querySelector('#app').textContent = 'hello from vite';\n")
    (tmp_path / "store").mkdir()
    return project


def _hmr_path(client: str) -> str:
    """The path the Vite client opens its HMR socket on (`socketHost = `${host}:${port}${<base>}``)."""
    line = next(line for line in client.splitlines() if line.startswith("const socketHost ="))
    base = line.rsplit("${", 1)[1].rsplit("}", 1)[0]
    return "".join(re.findall(r'"([^"]*)"', base))


def _websocket_handshake(port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: vite-hmr\r\n"
                      "\r\n").encode())
        data = b""
        while b'"connected"' not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


def test_vite_page_assets_and_hmr_work_through_the_gateway(vite_project: Path) -> None:
    dev = DevProcess(vite_project, "--component", f"--app-did={APP_DID}", "--mount-point", "/vite-app",
                     env={"COMPONENT_STORE_URL": str(vite_project.parent / "store")})
    gateway = dev.doc["gateway"]
    try:
        [component] = dev.doc["components"]
        assert component["mountPoint"] == "/vite-app" and component["source"] == "local"
        page = fetch(f"{gateway['url']}/vite-app/").decode()
        assert "<title>vite under a mount point</title>" in page
        assert '"/vite-app/@vite/client"' in page and '"/vite-app/src/main.js"' in page
        assert "/vite-app/vite-app/" not in page  # no doubled prefix in what the page loads
        assert b"hello from vite" in fetch(f"{gateway['url']}/vite-app/src/main.js")
        client = fetch(f"{gateway['url']}/vite-app/@vite/client").decode()
        settings = json.loads(fetch(f"{gateway['url']}/vite-app/__blocklet__.js?type=json"))
        assert settings["prefix"] == "/vite-app/"
        # the HMR socket the client opens, through the gateway (vite-plugin-blocklet adds the mount point that the
        # router strips, as on Blocklet Server)
        answer = _websocket_handshake(gateway["port"], _hmr_path(client))
        assert answer.startswith(b"HTTP/1.1 101") and b"vite-hmr" in answer and b'{"type":"connected"}' in answer
    finally:
        code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130, stderr
