"""Dev gateway benchmark: a small GET directly to a component and through the gateway, in one run.

Starts a Node HTTP server (a realistic component; Python's http.server when node is missing) answering a 200-byte
body, and a gateway in front of it (in a separate process, as in `blocklet dev`). Measures, over keep-alive
connections: the median latency of --requests sequential GETs (direct vs through the gateway: the latency the
gateway adds), and the throughput of --concurrency clients for --seconds (requests per second, direct vs gateway).
Targets (issue "dev compose"): added latency <= 1 ms median; gateway throughput >= 50 % of direct. Prints figures
and ratios; asserts nothing.

    .venv/bin/python benchmarks/gateway.py [--requests 2000] [--concurrency 8] [--seconds 3]
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time

NODE_SERVER = """
const body = 'x'.repeat(200);
require('http').createServer((req, res) => {
  res.setHeader('content-type', 'text/plain'); res.setHeader('content-length', body.length); res.end(body);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
"""
PY_SERVER = textwrap.dedent("""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            body = b"x" * 200
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
    s = ThreadingHTTPServer(("127.0.0.1", 0), H); print(s.server_address[1], flush=True); s.serve_forever()
""")
GATEWAY = textwrap.dedent("""
    import sys, time
    from blocklet_cli.core.dev.gateway import Gateway, Route
    gw = Gateway([Route("/", int(sys.argv[1]), "root"), Route("/app", int(sys.argv[1]), "app")]).start()
    print(gw.port, flush=True)
    time.sleep(3600)
""")


def start(argv: list[str]) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline())


def latency(port: int, path: str, requests: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        conn.request("GET", path)
        conn.getresponse().read()
        samples.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(samples[len(samples) // 10:]) * 1000  # ms, warm-up dropped


def throughput(port: int, path: str, concurrency: int, seconds: float) -> float:
    counts = [0] * concurrency
    ends = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.perf_counter() < ends:
            conn.request("GET", path)
            conn.getresponse().read()
            counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    node = shutil.which("node")
    component, port = start([node, "-e", NODE_SERVER] if node else [sys.executable, "-c", PY_SERVER])
    gateway, gateway_port = start([sys.executable, "-c", GATEWAY, str(port)])
    try:
        direct_ms = latency(port, "/small", args.requests)
        via_ms = latency(gateway_port, "/app/small", args.requests)
        direct_rps = throughput(port, "/small", args.concurrency, args.seconds)
        via_rps = throughput(gateway_port, "/app/small", args.concurrency, args.seconds)
    finally:
        for process in (gateway, component):
            process.kill()
            process.wait()
    print(f"component: {'node' if node else 'python http.server'}")
    print(f"latency median: direct {direct_ms:.3f} ms, gateway {via_ms:.3f} ms, added {via_ms - direct_ms:.3f} ms "
          "(target <= 1 ms)")
    print(f"throughput ({args.concurrency} clients): direct {direct_rps:.0f} req/s, gateway {via_rps:.0f} req/s, "
          f"ratio {via_rps / direct_rps:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
