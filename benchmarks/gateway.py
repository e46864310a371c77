"""Dev gateway benchmark: a small GET directly to a component and through the gateway, measured robustly.

Starts a Node HTTP server (a realistic component; Python's http.server when node is missing) answering a 200-byte
body, a gateway in front of it (in a separate process, as in `blocklet dev`) and one load client (a separate
asyncio process writing raw HTTP/1.1 over keep-alive connections, cheap enough not to be the bottleneck of either
side). The same client measures both targets in --rounds interleaved rounds (direct first in even rounds, gateway
first in odd ones, so drift and other load on the machine hit both alike):

* latency: the median of --requests sequential GETs on one connection, direct and through the gateway; the added
  latency of a round is their difference;
* throughput: --concurrency connections sending GETs back to back for --seconds; the ratio of a round is
  gateway / direct.

Prints the median over the rounds with the spread (min-max and the per-round values). Targets (issue "dev
compose"): added latency <= 1 ms median; gateway throughput >= 50 % of direct. Asserts nothing.

When the real Blocklet Server is installed in the test cache (scripts/install-blocklet-server.sh), the same rounds
also measure the router library that server's default router is built on (@arcblock/http-proxy, `xfwd` and a
keep-alive agent, the mount point stripped and the prefix headers set as daemon.js does) as a third target.

    .venv/bin/python benchmarks/gateway.py [--rounds 7] [--requests 400] [--concurrency 8] [--seconds 1.5] [--asyncio]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.real_dapps import CACHE  # the test cache, where the real Blocklet Server is installed

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
    import asyncio, sys, time
    from blocklet_cli.core.dev import gateway
    from blocklet_cli.core.dev.gateway import Gateway, Route
    if sys.argv[2] == "asyncio":
        gateway._event_loop = asyncio.new_event_loop
    gw = Gateway([Route("/", int(sys.argv[1]), "root"), Route("/app", int(sys.argv[1]), "app")]).start()
    print(gw.port, flush=True)
    time.sleep(3600)
""")
REFERENCE_ROUTER = """
const http = require('http');
const httpProxy = require(process.argv[2]);
const target = `http://127.0.0.1:${process.argv[1]}`;
const proxy = httpProxy.createProxyServer({ xfwd: true, agent: new http.Agent({ keepAlive: true, maxSockets: 64 }) });
proxy.on('error', (error, req, res) => { res.writeHead(502); res.end(); });
http.createServer((req, res) => {
  req.url = req.url.replace(/^\\/app/, '') || '/';
  req.headers['x-path-prefix'] = '/app';
  req.headers['x-group-path-prefix'] = '/';
  proxy.web(req, res, { target });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
"""
HTTP_PROXY = CACHE / "server" / "node_modules" / "@arcblock" / "http-proxy"
# One line of JSON per command read on stdin: {"latency": [port, path, n]} -> median seconds;
# {"load": [port, path, connections, seconds]} -> requests per second.
CLIENT = textwrap.dedent("""
    import asyncio, json, statistics, sys, time

    async def connect(port):
        return await asyncio.open_connection("127.0.0.1", port)

    async def get(reader, writer, request):
        writer.write(request)
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        lowered = head.lower()
        at = lowered.find(b"content-length:")
        if at < 0:
            raise SystemExit("no content-length in " + head.decode("latin-1"))
        length = int(lowered[at + 15:lowered.index(b"\\r\\n", at)])
        await reader.readexactly(length)

    def request_for(path):
        return f"GET {path} HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUser-Agent: bench\\r\\n\\r\\n".encode()

    async def latency(port, path, n):
        reader, writer = await connect(port)
        request, samples = request_for(path), []
        for _ in range(n):
            started = time.perf_counter()
            await get(reader, writer, request)
            samples.append(time.perf_counter() - started)
        writer.close()
        return statistics.median(samples[n // 10:])

    async def load(port, path, connections, seconds):
        request, count = request_for(path), 0
        pairs = [await connect(port) for _ in range(connections)]
        for reader, writer in pairs:
            await get(reader, writer, request)
        ends = time.perf_counter() + seconds

        async def worker(reader, writer):
            nonlocal count
            while time.perf_counter() < ends:
                await get(reader, writer, request)
                count += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(r, w) for r, w in pairs))
        elapsed = time.perf_counter() - started
        for _, writer in pairs:
            writer.close()
        return count / elapsed

    for line in sys.stdin:
        command = json.loads(line)
        if "latency" in command:
            value = asyncio.run(latency(*command["latency"]))
        else:
            value = asyncio.run(load(*command["load"]))
        print(json.dumps(value), flush=True)
""")


STARTED: list[subprocess.Popen] = []  # every server process, killed at the end whatever happens


def start(argv: list[str]) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    STARTED.append(process)
    line = process.stdout.readline()
    if not line.strip().isdigit():
        raise SystemExit(f"{argv[0]} did not start (printed {line!r}, exit code {process.poll()})")
    return process, int(line)


class Client:
    """The load client process (one for every measurement, direct or through the gateway)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", CLIENT], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def ask(self, **command) -> float:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return float(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def spread(values: list[float], digits: int = 2) -> str:
    shown = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"median {statistics.median(values):.{digits}f}, min {min(values):.{digits}f}, " \
           f"max {max(values):.{digits}f} (rounds: {shown})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400, help="sequential GETs per latency sample")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.5, help="length of one throughput window")
    parser.add_argument("--asyncio", action="store_true", help="run the gateway on asyncio's loop, not uvloop's")
    args = parser.parse_args()
    try:
        import uvloop  # noqa: F401
        loop = "asyncio" if args.asyncio else "uvloop"
    except ImportError:
        loop = "asyncio"
    node = shutil.which("node")
    try:
        latency, rps = measure(args, node, loop)
    finally:
        for process in STARTED:
            process.kill()
            process.wait()
    report(args, node, loop, latency, rps)


def measure(args: argparse.Namespace, node: str | None, loop: str) -> tuple[dict, dict]:
    """Interleaved rounds: per target, latency samples (ms) and throughput samples (req/s)."""
    _, port = start([node, "-e", NODE_SERVER] if node else [sys.executable, "-c", PY_SERVER])
    _, gateway_port = start([sys.executable, "-c", GATEWAY, str(port), loop])
    targets = {"direct": (port, "/small"), "gateway": (gateway_port, "/app/small")}
    if node and HTTP_PROXY.is_dir():
        _, reference_port = start([node, "-e", REFERENCE_ROUTER, str(port), str(HTTP_PROXY)])
        targets["reference"] = (reference_port, "/app/small")
    latency: dict[str, list[float]] = {name: [] for name in targets}
    rps: dict[str, list[float]] = {name: [] for name in targets}
    client = Client()
    try:
        for target_port, path in targets.values():  # warm-up: connections, JIT, the gateway's pool
            client.ask(load=[target_port, path, args.concurrency, 0.3])
        for index in range(args.rounds):
            order = list(targets) if index % 2 == 0 else list(reversed(targets))
            for name in order:
                target_port, path = targets[name]
                latency[name].append(client.ask(latency=[target_port, path, args.requests]) * 1000)
            for name in order:
                target_port, path = targets[name]
                rps[name].append(client.ask(load=[target_port, path, args.concurrency, args.seconds]))
    finally:
        client.close()
    return latency, rps


def report(args: argparse.Namespace, node: str | None, loop: str, latency: dict, rps: dict) -> None:
    added = [via - direct for via, direct in zip(latency["gateway"], latency["direct"], strict=True)]
    ratios = [via / direct for via, direct in zip(rps["gateway"], rps["direct"], strict=True)]
    print(f"component: {'node' if node else 'python http.server'}; gateway on {loop}'s event loop; "
          f"{args.rounds} interleaved rounds, one client")
    print(f"latency direct (ms): {spread(latency['direct'], 3)}")
    print(f"latency gateway (ms): {spread(latency['gateway'], 3)}")
    print(f"latency added (ms): {spread(added, 3)} (target <= 1 ms)")
    print(f"throughput direct ({args.concurrency} connections, req/s): {spread(rps['direct'], 0)}")
    print(f"throughput gateway (req/s): {spread(rps['gateway'], 0)}")
    print(f"throughput ratio gateway/direct: {spread(ratios, 2)} (target >= 0.50)")
    if "reference" in rps:
        reference = [via / direct for via, direct in zip(rps["reference"], rps["direct"], strict=True)]
        print(f"the reference's router (@arcblock/http-proxy on node), req/s: {spread(rps['reference'], 0)}")
        print(f"throughput ratio reference/direct: {spread(reference, 2)}")
        versus = [via / ref for via, ref in zip(rps["gateway"], rps["reference"], strict=True)]
        print(f"throughput ratio gateway/reference: {spread(versus, 2)}")


if __name__ == "__main__":
    main()
