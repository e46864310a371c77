"""Component resolution benchmark: a local store answering every request after 100 ms.

Targets (issue "Components"): 20 components side by side resolved in <= 0.5 s, a 3-level tree of
20 components (2 → 6 → 12) in <= 0.8 s. Each component costs two requests (GET blocklet.json,
HEAD tarball). Prints medians and the ratio to a sequential baseline (one worker) measured in the
same run.

    .venv/bin/python benchmarks/resolve.py [--runs N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from blocklet_cli.core.components.resolve import verify_tree
from blocklet_cli.core.identity.did import to_blocklet_did


def release_meta(name: str, children: list[dict]) -> dict:
    tarball = f"{name}-1.0.0.tgz"
    return {
        "name": name, "did": to_blocklet_did(name), "version": "1.0.0", "title": name,
        "description": f"Benchmark component {name}", "group": "static", "specVersion": "1.2.8",
        "interfaces": [{"type": "web", "name": "publicUrl", "path": "/", "prefix": "*", "port": "BLOCKLET_PORT",
                        "protocol": "http"}],
        "components": children,
        "dist": {"tarball": tarball, "size": 10,
                 "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball.encode()).digest()).decode()},
    }


class Store:
    """A threaded local store: `/api/blocklets/<did>/blocklet.json` and HEAD of the tarball."""

    def __init__(self, latency: float) -> None:
        self.metas: dict[str, bytes] = {}
        store = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bytes | None) -> None:
                time.sleep(latency)
                did = self.path.split("/")[3] if self.path.count("/") >= 4 else ""
                if did not in store.metas:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                is_meta = self.path.endswith("/blocklet.json")
                payload = store.metas[did] if is_meta else b""
                self.send_response(200)
                self.send_header("Content-Type", "application/json" if is_meta else "application/octet-stream")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if body is None:
                    self.wfile.write(payload)

            def do_GET(self) -> None:
                self._answer(None)

            def do_HEAD(self) -> None:
                self._answer(b"")

            def log_message(self, *args: object) -> None:
                return None

        ThreadingHTTPServer.daemon_threads = True
        ThreadingHTTPServer.request_queue_size = 128
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def entry(self, name: str) -> dict:
        return {"name": name, "mountPoint": f"/{name}", "source": {"store": self.url, "name": name}}

    def publish(self, name: str, children: list[str] = ()) -> dict:
        meta = release_meta(name, [self.entry(child) for child in children])
        self.metas[meta["did"]] = json.dumps(meta).encode()
        return self.entry(name)


def flat(store: Store, count: int) -> dict:
    return {"name": "bench-flat", "components": [store.publish(f"flat-{i}") for i in range(count)]}


def three_levels(store: Store) -> dict:
    roots = []
    for a in range(2):
        middles = []
        for b in range(3):
            leaves = [f"leaf-{a}-{b}-{c}" for c in range(2)]
            for leaf in leaves:
                store.publish(leaf)
            middles.append(f"mid-{a}-{b}")
            store.publish(middles[-1], leaves)
        roots.append(store.publish(f"top-{a}", middles))
    return {"name": "bench-tree", "components": roots}


def measure(meta: dict, runs: int, workers: int | None, cache: Path) -> tuple[float, int]:
    samples, count = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        options = {"workers": workers} if workers else {}
        tree = verify_tree(meta, project_dir=cache, cache_dir=cache, **options)
        samples.append(time.perf_counter() - started)
        count = tree.count
    return statistics.median(samples), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    store = Store(args.latency)
    cases = [("20 components, flat", flat(store, 20), 0.5), ("20 components, 3 levels", three_levels(store), 0.8)]
    print(f"latency per request: {args.latency * 1000:.0f} ms, median of {args.runs} runs")
    print(f"{'case':<26}{'nodes':>6}{'concurrent':>12}{'sequential':>12}{'ratio':>8}{'target':>9}")
    with tempfile.TemporaryDirectory(prefix="blocklet-resolve-") as tmp:
        for label, meta, target in cases:
            concurrent, count = measure(meta, args.runs, None, Path(tmp))
            sequential, _ = measure(meta, max(1, args.runs // 3), 1, Path(tmp))
            verdict = "ok" if concurrent <= target else "SLOW"
            print(f"{label:<26}{count:>6}{concurrent:>11.3f}s{sequential:>11.3f}s{sequential / concurrent:>7.1f}x"
                  f"{target:>6.1f}s {verdict}")
    store.server.shutdown()


if __name__ == "__main__":
    main()
