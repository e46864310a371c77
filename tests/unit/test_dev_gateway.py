"""The dev gateway against real local HTTP servers: routing, prefix stripping, headers, WebSocket, streaming, 502.

Header names and values follow ArcBlock/blocklet-server core/router-provider/lib/default/daemon.js
(`createRequestHandler`) and core/router-provider/lib/nginx/includes/proxy.raw.
"""

from __future__ import annotations

import base64
import contextlib
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
        if self.path.startswith("/says-close"):  # answers and closes, saying so
            body = b"closing"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
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

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1234")
        self.end_headers()

    def do_POST(self) -> None:
        digest = hashlib.sha256()
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while size := int(self.rfile.readline().split(b";")[0], 16):
                digest.update(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
        remaining = int(self.headers.get("Content-Length", "0"))
        while remaining:
            chunk = self.rfile.read(min(65536, remaining))
            digest.update(chunk)
            remaining -= len(chunk)
        self._reply({"server": self.server.label, "sha256": digest.hexdigest(),
                     "content-length": self.headers.get("Content-Length")})


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
    server.handle_error = lambda request, address: None  # a client that leaves mid-answer is part of the tests
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


# -- the HTTP/1.1 edges: framing, pipelining, slow and broken peers ------------------------------------------------

def _raw(gw: Gateway, data: bytes, *, pieces: int = 1, timeout: float = 10) -> bytes:
    """Send `data` (in `pieces` writes with pauses between them) and read until the gateway closes."""
    with socket.create_connection(("127.0.0.1", gw.port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        step = max(1, len(data) // pieces)
        for start in range(0, len(data), step):
            sock.sendall(data[start:start + step])
            if pieces > 1:
                time.sleep(0.002)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def _responses(raw: bytes) -> list[tuple[int, dict, bytes]]:
    """Split a stream of HTTP responses framed by Content-Length."""
    out = []
    while raw:
        head, _, raw = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        out.append((int(lines[0].split(" ")[1]), headers, raw[:length]))
        raw = raw[length:]
    return out


def test_pipelined_requests_are_answered_in_order_on_one_connection(gateway):
    paths = ["/api/one", "/two", "/api/deep/three", "/__blocklet__.js", "/nowhere-else/x", "/api/four"]
    requests = b"".join(f"GET {p} HTTP/1.1\r\nHost: h\r\n\r\n".encode() for p in paths)
    answers = _responses(_raw(gateway, requests + b"GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    assert [status for status, _, _ in answers] == [200] * 7
    proxied = [json.loads(body)["path"] for status, headers, body in answers if "json" in headers["content-type"]]
    assert proxied == ["/one", "/two", "/three", "/nowhere-else/x", "/four", "/last"]
    assert answers[-1][1]["connection"] == "close"


def test_a_request_sent_a_byte_at_a_time_is_proxied(gateway):
    request = b"GET /api/slow?x=1 HTTP/1.1\r\nHost: h\r\nX-Slow: yes\r\nConnection: close\r\n\r\n"
    [(status, _, body)] = _responses(_raw(gateway, request, pieces=len(request)))
    assert status == 200 and json.loads(body)["path"] == "/slow?x=1"
    assert json.loads(body)["headers"]["X-Slow"] == "yes"


def test_a_chunked_upload_streams_through_as_chunked_without_a_content_length(gateway):
    parts = [os.urandom(size) for size in (1, 4096, 70000, 3)]
    body = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\nX-Trailer: t\r\n\r\n"
    request = (b"POST /api/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
               b"Connection: close\r\n\r\n" + body)
    [(status, _, answer)] = _responses(_raw(gateway, request, pieces=40))
    doc = json.loads(answer)
    assert status == 200 and doc["sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()
    assert doc["content-length"] is None  # a chunked body goes on chunked: a Content-Length beside it is dropped


def test_expect_100_continue_gets_the_interim_answer_before_the_body(gateway):
    body = b"z" * 5000
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(b"POST /api/up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        stream = sock.makefile("rb")
        assert b" 200 " in stream.readline()
        headers = {}
        while (line := stream.readline()) != b"\r\n":
            key, _, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        doc = json.loads(stream.read(int(headers["content-length"])))
        assert doc["sha256"] == hashlib.sha256(body).hexdigest()


def test_head_and_a_bodyless_answer_keep_the_connection_usable(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    conn.request("HEAD", "/api/head")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"" and int(response.headers["Content-Length"]) > 0
    conn.request("GET", "/api/after-head")
    assert json.loads(conn.getresponse().read())["path"] == "/after-head"
    conn.close()


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    (b"POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n", 400),
    (b"POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 5000, 400),
    (b"GET http://elsewhere/ HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    (b"GET /api/x SPDY/3\r\n\r\n", 400),
    (b"GET /api/x HTTP/1.1\r\n folded: header\r\n\r\n", 400),
    (b"GET /api/x HTTP/1.1\r\nX: " + b"a" * 70000, 431),
])
def test_a_malformed_request_gets_one_answer_and_the_connection_closes(gateway, request_bytes, status):
    answers = _responses(_raw(gateway, request_bytes))
    assert [answer[0] for answer in answers] == [status]
    assert answers[0][1]["connection"] == "close"


class _Scripted:
    """A component that answers each connection with `reply(sock, head)`: for the broken ones no library writes."""

    def __init__(self, reply) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and (chunk := conn.recv(65536)):
                head += chunk
            self.reply(conn, head)


def _answer_then_linger(conn: socket.socket, reply: bytes) -> None:
    """Answer before reading the body, then read what still comes until the peer is done (a lingering close, as
    servers do: closing with unread data would reset the connection and could take the answer with it)."""
    conn.sendall(reply)
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass


SCRIPTS = {
    "garbage": lambda conn, head: conn.sendall(b"this is not http\r\n\r\n"),
    "silent": lambda conn, head: None,
    "until-close": lambda conn, head: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                                   + b"e" * 100000),
    "early": lambda conn, head: _answer_then_linger(conn, b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n"
                                                          b"Connection: close\r\n\r\nbig!"),
    "short": lambda conn, head: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this"),
    "interim": lambda conn, head: conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                                               b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
}


@pytest.fixture
def scripted():
    components = {name: _Scripted(reply) for name, reply in SCRIPTS.items()}
    routes = [Route(f"/{name}", component.port, f"{name}-component") for name, component in components.items()]
    gw = Gateway(routes).start()
    yield gw
    gw.close()
    for component in components.values():
        component.sock.close()


@pytest.mark.parametrize("name", ["garbage", "silent"])
def test_a_component_that_answers_nothing_valid_gets_a_502_naming_it(scripted, name):
    [(status, headers, body)] = _responses(_raw(scripted, f"GET /{name}/x HTTP/1.1\r\nHost: h\r\n\r\n".encode()))
    assert status == 502 and f"{name}-component".encode() in body and headers["connection"] == "close"


def test_a_response_that_ends_when_the_component_closes_goes_through_whole(scripted):
    raw = _raw(scripted, b"GET /until-close/x HTTP/1.1\r\nHost: h\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head and body == b"e" * 100000


def test_an_answer_before_the_body_is_sent_reaches_the_client(scripted):
    conn = http.client.HTTPConnection("127.0.0.1", scripted.port, timeout=10)
    conn.request("POST", "/early/upload", body=b"u" * 200000)
    response = conn.getresponse()
    assert response.status == 413 and response.read() == b"big!"
    conn.close()


def test_an_interim_answer_of_the_component_is_not_forwarded(scripted):
    [(status, _, body)] = _responses(_raw(scripted, b"GET /interim/ HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    assert (status, body) == (200, b"ok")


def test_a_response_cut_short_is_cut_short_for_the_client_too(scripted):
    raw = _raw(scripted, b"GET /short/x HTTP/1.1\r\nHost: h\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Length: 1000" in head and body == b"only this"  # the client sees the connection end early


def test_a_client_that_leaves_mid_download_leaves_the_gateway_serving(gateway):
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(b"GET /api/download HTTP/1.1\r\nHost: h\r\n\r\n")
        received = 0
        while received < 1024 * 1024:
            received += len(sock.recv(65536))
    for _ in range(3):
        status, _, body = _get(gateway, "/api/still-there")
        assert status == 200 and json.loads(body)["path"] == "/still-there"


def test_the_gateways_own_answers_to_head_have_no_body(gateway):
    raw = _raw(gateway, b"HEAD /nowhere HTTP/1.1\r\nHost: h\r\n\r\nHEAD /api HTTP/1.1\r\nHost: h\r\n\r\n"
                        b"HEAD /__blocklet__.js HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    heads = raw.split(b"\r\n\r\n")
    assert [head.split(b" ")[1] for head in heads if head] == [b"200", b"200", b"200"]  # / is mounted: root answers
    assert heads[-1] == b"" and all(head.startswith(b"HTTP/1.1") for head in heads[:-1])


def test_a_partial_head_after_a_large_pipelined_burst_is_still_read(gateway):
    burst = b"".join(b"GET /api/p%d HTTP/1.1\r\nHost: h\r\nX-Pad: %s\r\n\r\n" % (n, b"p" * 8000) for n in range(40))
    received = []
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as sock:
        def read() -> None:
            while chunk := sock.recv(65536):
                received.append(chunk)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        sock.sendall(burst + b"GET /api/last HTTP/1.1\r\nHost: h\r\n")  # the last head ends only later
        time.sleep(0.3)
        sock.sendall(b"Connection: close\r\n\r\n")
        reader.join(timeout=20)
    answers = _responses(b"".join(received))
    assert len(answers) == 41 and json.loads(answers[-1][2])["path"] == "/last"


def test_a_component_that_closes_after_each_answer_leaves_the_client_connection_alive(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    for n in range(4):
        conn.request("GET", f"/api/says-close/{n}")
        response = conn.getresponse()
        assert (response.status, response.read(), response.headers["Connection"]) == (200, b"closing", "keep-alive")
    conn.close()


def test_more_clients_at_once_than_idle_connections_are_kept(gateway):
    import concurrent.futures

    def client(n: int) -> list[str]:
        conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=20)
        paths = []
        for round_ in range(3):
            conn.request("GET", f"/api/c{n}/{round_}")
            paths.append(json.loads(conn.getresponse().read())["path"])
        conn.close()
        return paths

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        results = list(pool.map(client, range(40)))
    assert results == [[f"/c{n}/{round_}" for round_ in range(3)] for n in range(40)]


def test_a_refused_client_still_sending_gets_the_answer_not_a_reset(gateway):
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        def send() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(b"GET /api/x SPDY/3\r\n\r\n" + b"x" * (4 * 1024 * 1024))

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(0.2)  # the refusal is out while the client is still sending
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        sender.join(timeout=10)
    [(status, headers, _body)] = _responses(received)
    assert status == 400 and headers["connection"] == "close"
