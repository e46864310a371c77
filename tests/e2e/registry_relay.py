"""The npm registry inside the e2e server's network namespace, for the installs Blocklet Server makes.

The server runs in a namespace with only `lo` (server_harness.py), so nothing it tries to reach leaves the
host. A compact release records its external dependencies (`blockletExternalDependencies`) and the server
installs them with `bun install` before it starts the app (ArcBlock/blocklet-server
core/state/lib/util/install-external-dependencies.js; `bun` from PATH, ≥ 1.2.18: core/state/lib/util/ensure-bun.js).
For that install, and only for it, this relay listens on 127.0.0.1:RELAY_PORT inside the namespace and
forwards GET/HEAD requests to the public npm registry (tarball URLs in the metadata rewritten to point back
at the relay). The server's environment names it in `BUN_CONFIG_REGISTRY` (Bun's own setting: nothing else
in the server reads it), puts the cached Bun on PATH and points node-gyp at the local Node headers
(`npm_config_nodedir`), so a native addon compiles there as it would on a server with the network.

    python -m tests.e2e.registry_relay <namespace>     (started by the e2e test module, stopped with SIGTERM)
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

UPSTREAM = "https://registry.npmjs.org"
RELAY_PORT = 4873  # inside the namespace: nothing else listens there
CLONE_NEWNET = 0x40000000
CHUNK = 1 << 16


def bun_dir() -> Path:
    from tests.real_dapps import BUN

    return BUN.parent


def server_env(env: dict[str, str]) -> dict[str, str]:
    """`env` (the server's environment) plus what its external-dependency installs need."""
    from tests.real_dapps import node_headers_dir

    out = {**env, "BUN_CONFIG_REGISTRY": f"http://127.0.0.1:{RELAY_PORT}/"}
    if (bun_dir() / "bun").exists():
        out["PATH"] = f"{bun_dir()}:{out.get('PATH', '')}"
    headers = node_headers_dir()
    if headers:
        out["npm_config_nodedir"] = headers
    return out


class Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:
        self._forward(body=False)

    def do_GET(self) -> None:
        self._forward(body=True)

    def _forward(self, body: bool) -> None:
        headers = {"User-Agent": self.headers.get("User-Agent", "bun"),
                   "Accept": self.headers.get("Accept", "application/json")}
        request = urllib.request.Request(UPSTREAM + self.path, headers=headers, method=self.command)
        try:
            answer = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as exc:
            answer = exc
        except (urllib.error.URLError, OSError) as exc:
            self.send_error(502, str(exc)[:200])
            return
        with answer:
            kind = answer.headers.get("Content-Type", "")
            self.send_response(answer.status)
            self.send_header("Content-Type", kind or "application/octet-stream")
            if "json" in kind:
                data = answer.read().replace(UPSTREAM.encode() + b"/",
                                             f"http://127.0.0.1:{RELAY_PORT}/".encode())
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)
                return
            length = answer.headers.get("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if body:
                shutil.copyfileobj(answer, self.wfile, CHUNK)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"registry relay: {format % args}\n")


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def serve(namespace: str) -> None:
    """Listen inside `namespace`, connect out from this process's own namespace (setns is per thread:
    the listening socket keeps the namespace it was made in, and the request threads are started from the
    main thread once it is back in the host's)."""
    host = os.open("/proc/self/ns/net", os.O_RDONLY)
    inside = os.open(f"/var/run/netns/{namespace}", os.O_RDONLY)
    _setns(inside)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", RELAY_PORT), Relay)
    finally:
        _setns(host)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1])
