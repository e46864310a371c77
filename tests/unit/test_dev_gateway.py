"""The dev gateway against real local HTTP servers: routing, prefix stripping, headers, WebSocket, streaming, 502.

Header names and values follow ArcBlock/blocklet-server core/router-provider/lib/default/daemon.js
(`createRequestHandler`) and core/router-provider/lib/nginx/includes/proxy.raw.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from blocklet_cli.core.dev.gateway import Answer, Gateway, Route, pick_route

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
BIG = 50 * 1024 * 1024


class _Echo(BaseHTTPRequestHandler):
    """Answers with JSON: the name of the server, the path it received and the request headers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _reply(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/download"):
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            block = b"x" * 65536
            for _ in range(BIG // len(block)):
                self.wfile.write(block)
            return
        if self.path.startswith("/hangup"):  # answers, then drops the kept-alive connection without saying so
            self._reply({"server": self.server.label, "path": self.path, "headers": {}})
            self.close_connection = True
            return
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one,", b"two,", b"three"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.headers.get("Upgrade", "").lower() == "websocket":
            key = self.headers["Sec-WebSocket-Key"]
            accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            payload = _read_frame(self.rfile)
            self.wfile.write(_frame(b"echo:" + payload, mask=False))
            self.wfile.flush()
            self.close_connection = True
            return
        self._reply({"server": self.server.label, "path": self.path, "headers": dict(self.headers.items())})

    def do_POST(self) -> None:
        digest = hashlib.sha256()
        remaining = int(self.headers.get("Content-Length", "0"))
        while remaining:
            chunk = self.rfile.read(min(65536, remaining))
            digest.update(chunk)
            remaining -= len(chunk)
        self._reply({"server": self.server.label, "sha256": digest.hexdigest()})


def _frame(payload: bytes, *, mask: bool) -> bytes:
    head = bytearray([0x81])
    length = len(payload)
    if length < 126:
        head.append((0x80 if mask else 0) | length)
    else:
        head.append((0x80 if mask else 0) | 126)
        head += length.to_bytes(2, "big")
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _read_frame(stream) -> bytes:
    first = stream.read(2)
    length = first[1] & 0x7F
    if length == 126:
        length = int.from_bytes(stream.read(2), "big")
    key = stream.read(4) if first[1] & 0x80 else None
    data = stream.read(length)
    return bytes(b ^ key[i % 4] for i, b in enumerate(data)) if key else data


def _server(label: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    server.label = label
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def servers():
    started = {name: _server(name) for name in ("root", "api", "deep")}
    yield started
    for server in started.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def gateway(servers):
    routes = [
        Route("/", servers["root"].server_address[1], "root", did="zApp", component_id="zApp"),
        Route("/api", servers["api"].server_address[1], "api", did="zApp", component_id="zApp/zApi", rule_id="r-api"),
        Route("/api/deep", servers["deep"].server_address[1], "deep", did="zApp", component_id="zApp/zDeep"),
        Route("/down", _free_port(), "sleepy-component", did="zApp", component_id="zApp/zDown"),
    ]

    def local(method: str, target: str, headers: dict) -> Answer | None:
        return Answer(200, b"window.blocklet = {};", "application/javascript") if target == "/__blocklet__.js" else None

    gw = Gateway(routes, local=local).start()
    yield gw
    gw.close()


def _get(gw: Gateway, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_pick_route_is_longest_prefix_on_segment_boundaries():
    routes = [Route("/", 1, "root"), Route("/api", 2, "api"), Route("/api/deep", 3, "deep")]
    assert pick_route(routes, "/apix").name == "root"
    assert pick_route(routes, "/api").name == "api"
    assert pick_route(routes, "/api/deeper").name == "api"
    assert pick_route(routes, "/api/deep/x").name == "deep"
    assert pick_route([Route("/a", 1, "a")], "/b") is None
    assert Route.normalise("api/") == "/api" and Route.normalise("/") == "/" and Route.normalise("") == "/"


def test_routes_to_longest_mount_point_and_strips_the_prefix(gateway):
    status, _, body = _get(gateway, "/api/deep/items?q=1")
    doc = json.loads(body)
    assert status == 200 and doc["server"] == "deep" and doc["path"] == "/items?q=1"
    status, _, body = _get(gateway, "/api/users")
    doc = json.loads(body)
    assert doc["server"] == "api" and doc["path"] == "/users"
    status, _, body = _get(gateway, "/apiary")
    assert json.loads(body)["server"] == "root" and json.loads(body)["path"] == "/apiary"


def test_sets_the_router_headers(gateway):
    _, _, body = _get(gateway, "/api/users", {"Host": "example.test:8080", "X-Path-Prefix": "/forged",
                                              "X-Routing-Rule-Id": "forged", "X-Request-Id": "from-the-client"})
    headers = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    # daemon.js createRequestHandler
    assert headers["x-path-prefix"] == "/api"
    assert headers["x-group-path-prefix"] == "/"
    assert headers["x-blocklet-did"] == "zApp"
    assert headers["x-blocklet-component-id"] == "zApp/zApi"
    # http-proxy xfwd on the main server: Host kept, x-forwarded-* from it and the peer
    assert headers["host"] == "example.test:8080"
    assert headers["x-forwarded-host"] == "example.test:8080"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == "8080"
    assert headers["x-routing-rule-id"] == "r-api"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    # nothing the default router does not add (x-real-ip and x-request-id are the nginx provider's)
    assert "x-real-ip" not in headers and headers["x-request-id"] == "from-the-client"
    _, _, body = _get(gateway, "/", {"X-Forwarded-For": "10.0.0.7", "X-Forwarded-Proto": "https",
                                     "X-Forwarded-Host": "app.example"})
    headers = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    assert headers["x-path-prefix"] == "/"
    assert headers["x-forwarded-for"] == "10.0.0.7,127.0.0.1" and headers["x-forwarded-proto"] == "https,http"
    assert headers["x-forwarded-host"] == "app.example"


def test_get_on_the_bare_mount_point_redirects_to_the_slash_form(gateway):
    status, headers, _ = _get(gateway, "/api?x=1")
    assert status == 307 and headers["Location"] == "/api/?x=1"


def test_keeps_the_client_connection_alive_across_requests(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    for path, name in (("/api/a", "api"), ("/b", "root"), ("/api/deep/c", "deep")):
        conn.request("GET", path)
        response = conn.getresponse()
        assert json.loads(response.read())["server"] == name
    conn.close()


def test_component_connections_are_reused_and_a_dropped_one_is_retried(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    for path in ("/api/hangup", "/api/after", "/api/chunked", "/api/again"):
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, (path, body)
        if path == "/api/chunked":
            assert body == b"one,two,three"
        else:
            assert json.loads(body)["path"] == path.removeprefix("/api")
    conn.close()


def test_a_down_component_answers_502_with_its_name_and_the_others_keep_serving(gateway):
    status, headers, body = _get(gateway, "/down/page")
    assert status == 502 and b"sleepy-component" in body and headers["X-Blocklet-Component"] == "sleepy-component"
    status, _, body = _get(gateway, "/api/ok")
    assert status == 200 and json.loads(body)["server"] == "api"


def test_local_answers_come_before_routing(gateway):
    status, headers, body = _get(gateway, "/__blocklet__.js")
    assert status == 200 and headers["Content-Type"] == "application/javascript" and body == b"window.blocklet = {};"


def test_websocket_upgrade_is_tunnelled(gateway):
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall((f"GET /api/deep/socket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        stream = sock.makefile("rb")
        status = stream.readline()
        head = {}
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, value = line.decode().split(":", 1)
            head[name.strip().lower()] = value.strip()
        assert b" 101 " in status
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        assert head["sec-websocket-accept"] == expected
        sock.sendall(_frame(b"hello through the gateway", mask=True))
        assert _read_frame(stream) == b"echo:hello through the gateway"


GATEWAY_SCRIPT = textwrap.dedent("""
    import sys, time
    from blocklet_cli.core.dev.gateway import Gateway, Route
    gw = Gateway([Route("/big", int(sys.argv[1]), "big")]).start()
    print(gw.port, flush=True)
    time.sleep(3600)
""")


def _peak_rss_kib(pid: int) -> tuple[int, int]:
    fields = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = int(value.split()[0]) if value.strip().endswith("kB") else 0
    return fields["VmRSS"], fields["VmHWM"]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc to read the gateway's memory")
def test_50_mb_up_and_down_stream_with_flat_memory(servers):
    process = subprocess.Popen([sys.executable, "-c", GATEWAY_SCRIPT, str(servers["api"].server_address[1])],
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        _, peak_before = _peak_rss_kib(process.pid)
        block = os.urandom(1024 * 1024)

        def body():
            for _ in range(BIG // len(block)):
                yield block

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/big/upload", body=body(), headers={"Content-Length": str(BIG)})
        doc = json.loads(conn.getresponse().read())
        assert doc["sha256"] == hashlib.sha256(block * (BIG // len(block))).hexdigest()
        conn.request("GET", "/big/download")
        response = conn.getresponse()
        received = 0
        while chunk := response.read(65536):
            received += len(chunk)
        assert received == BIG
        conn.close()
        time.sleep(0.1)
        _, peak_after = _peak_rss_kib(process.pid)
        # 100 MB went through; the gateway's peak memory grew by far less than one body (8 MiB at most)
        print(f"gateway peak RSS before {peak_before} KiB, after 100 MB {peak_after} KiB")
        assert peak_after - peak_before < 8 * 1024, (peak_before, peak_after)
    finally:
        process.kill()
        process.wait()
