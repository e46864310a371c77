"""Hostile-store benchmark: `blocklet add` against a gzip bomb and against a trickling store.

* bomb: the store answers the component meta with 1 MiB of gzip that inflates to 1 GiB. Peak RSS of
  `blocklet add` (wait4 rusage) against it, and against a healthy local store as the baseline measured
  in the same run. Target (issue 13): <= 100 MB.
* trickle: the store sends one byte a second, from the status line on. Wall time of `blocklet add`
  with `BLOCKLET_HTTP_DEADLINE=<deadline>` (the read timeout is longer, so only the deadline can end
  it). Target: <= deadline + 2 s.

Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/hostile_network.py [--deadline 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from blocklet_cli.core.identity.did import to_blocklet_did  # noqa: E402
from tests.hardening.faults import hostile_server  # noqa: E402

BLOCKLET = str(Path(sys.executable).parent / "blocklet")
PROJECT = """\
name: bench-app
did: {did}
version: 1.0.0
description: A project for the hostile-store benchmark
group: static
main: .
interfaces:
  - type: web
    name: publicUrl
    path: /
    prefix: '*'
    port: BLOCKLET_PORT
    protocol: http
"""


def healthy_store() -> tuple[ThreadingHTTPServer, str]:
    """A local store serving the meta of `static-demo` and HEAD of its tarball."""
    import base64
    import hashlib

    did = to_blocklet_did("static-demo")
    tarball = "static-demo-1.0.0.tgz"
    meta = {"name": "static-demo", "did": did, "version": "1.0.0", "title": "Static Demo",
            "description": "The static-demo blocklet", "group": "static", "specVersion": "1.2.8",
            "interfaces": [{"type": "web", "name": "publicUrl", "path": "/", "prefix": "*",
                            "port": "BLOCKLET_PORT", "protocol": "http"}],
            "dist": {"tarball": tarball, "size": 20, "integrity": "sha512-" + base64.b64encode(
                hashlib.sha512(tarball.encode()).digest()).decode()}}
    body = json.dumps(meta).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run_add(store: str, env: dict[str, str]) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak RSS (MB) of `blocklet add static-demo --store <store>` in a new project."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "blocklet.yml").write_text(PROJECT.format(did=to_blocklet_did("bench-app")))
        started = time.monotonic()
        process = subprocess.Popen([BLOCKLET, "add", "static-demo", "--store", store], cwd=folder,
                                   env={**os.environ, "CI": "1", "NO_COLOR": "1", **env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=5.0)
    args = parser.parse_args()
    env = {"BLOCKLET_HTTP_RETRIES": "0", "BLOCKLET_HTTP_TIMEOUT": str(args.deadline * 4),
           "BLOCKLET_HTTP_DEADLINE": str(args.deadline)}
    server, url = healthy_store()
    code, seconds, base_rss = run_add(url, env)
    server.shutdown()
    print(f"baseline (healthy store): exit {code}, {seconds:.2f}s, peak RSS {base_rss:.1f} MB")
    with hostile_server("bomb") as bomb:
        run_add(bomb, env)  # the server builds its bomb on the first request
        code, seconds, rss = run_add(bomb, env)
    print(f"gzip bomb (1 MiB -> 1 GiB): exit {code}, {seconds:.2f}s, peak RSS {rss:.1f} MB "
          f"({rss / base_rss:.2f} x baseline; target <= 100 MB)")
    with hostile_server("trickle") as trickle:
        code, seconds, rss = run_add(trickle, env)
    print(f"trickle (1 byte/s): exit {code}, {seconds:.2f}s with a {args.deadline:g}s deadline "
          f"(+{seconds - args.deadline:.2f}s; target <= +2 s), peak RSS {rss:.1f} MB")


if __name__ == "__main__":
    main()
