"""The gateway's fast path gives what its general path gives, on generated requests and responses.

core/dev/fastpath.py reads the common request (a GET or HEAD head that arrives whole) and the common response
(a whole Content-Length answer) in one function each; for everything it accepts, the bytes that go to the
component and to the client must be those of the general path (core/dev/http1.py and Gateway.upstream_head), and
what the general path refuses the fast path must leave to it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blocklet_cli.core.dev import fastpath
from blocklet_cli.core.dev.gateway import Gateway, Route
from blocklet_cli.core.dev.http1 import CLOSE, KEEP_ALIVE, BadMessage, ResponseHead, parse_request

ROUTES = [Route("/", 3001, "root", did="zApp", component_id="zApp/zRoot", rule_id="r1"),
          Route("/api", 3002, "api", did="zApp", component_id="zApp/zApi", group_prefix="/")]
NAMES = ["Host", "host", "HOST", "User-Agent", "Accept", "Cookie", "Connection", "connection", "Keep-Alive",
         "Upgrade", "Content-Length", "Transfer-Encoding", "Expect", "X-Forwarded-For", "x-forwarded-host",
         "X-Path-Prefix", "X-Routing-Rule-Id", "TE", "Trailer", "Proxy-Connection", "X-Custom", "Referer",
         "Bad Name", "Host ", " Folded"]
VALUES = ["", "keep-alive", "close", "Keep-Alive", "upgrade", "127.0.0.1:8090", "[::1]:3000", "example.com",
          "websocket", "0", "12", "chunked", "100-continue", "1.2.3.4", "a=b; c=d", "text/html,*/*", "x:y:z"]
header = st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES), st.sampled_from([" ", "", "  "]))


@st.composite
def request_heads(draw) -> bytes:
    method = draw(st.sampled_from(["GET", "HEAD", "POST", "get"]))
    target = draw(st.sampled_from(["/", "/api", "/api/", "/api/x?y=1", "/a%20b", "/x y", "http://h/", "/api/deep"]))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]))
    lines = [f"{name}:{space}{value}" for name, value, space in draw(st.lists(header, max_size=8))]
    if draw(st.booleans()):  # a browser's request: only headers that pass on as they are
        lines = [f"{name}: {value}" for name, value in draw(st.lists(st.tuples(
            st.sampled_from(["Host", "User-Agent", "Accept", "Cookie", "X-Custom", "Connection"]),
            st.sampled_from(["keep-alive", "127.0.0.1:8090", "a=b", "x:y", "[::1]:3000", ""])), max_size=6))]
    return (f"{method} {target} {version}\r\n" + "".join(line + "\r\n" for line in lines) + "\r\n").encode()


@st.composite
def responses(draw) -> bytes:
    status = draw(st.sampled_from(["200 OK", "200 OK", "404 Not Found", "204 No Content", "304 Not Modified",
                                   "101 Switching", "103 Early Hints", "500 Oops", "200", "2x0 Odd"]))
    body = b"b" * draw(st.sampled_from([0, 1, 5, 200]))
    names = ["Content-Type", "Content-Length", "content-length", "Connection", "Keep-Alive", "Transfer-Encoding",
             "Date", "Set-Cookie", "Bad Name", " Folded"]
    values = ["text/plain", str(len(body)), str(len(body) + 1), "keep-alive", "close", "timeout=5", "chunked",
              "Sun, 29 Nov 2026 02:50:00 GMT", "a=b", "x"]
    if draw(st.booleans()):  # a usual answer: no framing or malformed lines of its own
        names = ["Content-Type", "Connection", "Keep-Alive", "Date", "Set-Cookie", "connection"]
    lines = [f"{draw(st.sampled_from(names))}: {draw(st.sampled_from(values))}"
             for _ in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):  # most answers say how long they are
        lines.insert(draw(st.integers(0, len(lines))), f"Content-Length: {len(body)}")
    return (f"HTTP/1.1 {status}\r\n" + "".join(line + "\r\n" for line in lines) + "\r\n").encode() + body


def _gateway() -> Gateway:
    gateway = Gateway(ROUTES)
    gateway.port = 8090
    return gateway


@settings(max_examples=1500, deadline=None)
@given(request_heads(), st.sampled_from(["127.0.0.1", "::1"]))
def test_a_request_the_fast_path_takes_goes_to_the_component_as_the_general_path_sends_it(raw, client_ip):
    simple = fastpath.simple_request(raw)
    try:
        request = parse_request(raw)
    except BadMessage:
        assert simple is None, raw
        return
    if simple is None:
        return
    gateway = _gateway()
    assert request.method in ("GET", "HEAD") and request.keep_alive and not request.wants_upgrade, raw
    assert request.body_framing() is None and (simple.method, simple.target) == (request.method, request.target)
    route = gateway.route_for(simple.path)
    assert route is not None and route == gateway.route_for(request.path)
    fast = fastpath.upstream_head(simple.method, simple.target, route, simple.block, simple.host or gateway.own_host,
                                  client_ip.encode(), gateway.router_headers(route))
    assert fast == gateway.upstream_head(request, route, client_ip, False), raw


@settings(max_examples=1500, deadline=None)
@given(responses(), st.booleans())
def test_a_response_the_fast_path_takes_reaches_the_client_as_the_general_path_sends_it(raw, keep_alive):
    whole = fastpath.simple_response(raw)
    end = raw.find(b"\r\n\r\n") + 4
    try:
        head = ResponseHead(raw[:end])
    except BadMessage:
        assert whole is None, raw
        return
    if whole is None:
        return
    status, fast_head, body, close = whole
    assert head.status == status >= 200 and status not in (204, 304) and not head.chunked, raw
    assert head.length == len(body) == len(raw) - end and head.close == close
    connection = KEEP_ALIVE if keep_alive else CLOSE
    assert fast_head + connection + body == head.encode(keep_alive=keep_alive) + raw[end:]


def test_the_common_messages_take_the_fast_path():
    browser = (b"GET /api/page?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nUser-Agent: Mozilla/5.0\r\n"
               b"Accept: text/html\r\nConnection: keep-alive\r\nCookie: a=b\r\n\r\n")
    simple = fastpath.simple_request(browser)
    assert simple is not None and simple.host == b"127.0.0.1:8090" and b"Connection" not in simple.block
    node = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nDate: x\r\n"
            b"Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok")
    assert fastpath.simple_response(node) == (200, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                                   b"Content-Length: 2\r\nDate: x", b"ok", False)
