"""The dev gateway's fast path: the common request and the common response, each read in one function.

Most traffic through the gateway is a GET or HEAD without a body, arriving in one piece, answered with a
Content-Length body that arrives in one piece. For those, these functions do in one call what the general path
(core/dev/http1.py, ClientConnection.start, ComponentConnection.read_head) does in many, with the same result:
tests/unit/test_dev_gateway_fastpath.py compares the two on generated messages. Anything else (a body, an
Upgrade, a header the gateway rewrites or must read, a split or pipelined message, an interim or bodiless status)
returns None and takes the general path.
"""

from __future__ import annotations

import re

from blocklet_cli.core.dev.http1 import CONNECTION_LINES, FIELD_LINES, HOP_BY_HOP, KEEP_ALIVE
from blocklet_cli.core.dev.routing import ROUTER_HEADERS, Route

# request headers that need the general path (hop-by-hop, framing, the router's own and any x-forwarded-*;
# Connection is read here), matched in the lower-cased block
_SLOW_NAMES = [name for name in (*HOP_BY_HOP, *ROUTER_HEADERS, "transfer-encoding", "content-length")
               if name != "connection"]
_SLOW_REQUEST = re.compile(rb"\r\n(?:" + "|".join(map(re.escape, _SLOW_NAMES)).encode() + rb"|x-forwarded-[^:]*):")
_SIMPLE_REQUEST = re.compile(rb"(GET|HEAD) (/[^ \r\n]*) HTTP/1\.1(" + FIELD_LINES + rb")\r\n\r\n")
_WHOLE_RESPONSE = re.compile(rb"HTTP/1\.1 ([2-9][0-9][0-9])(?: [^\r\n]*)?(" + FIELD_LINES + rb")\r\n\r\n")


def _value(block: bytes, at: int, name_length: int) -> bytes:
    """The value of the header line starting at `at` (its CRLF), the name `name_length` bytes long with colon."""
    start = at + 2 + name_length
    stop = block.find(b"\r\n", start)
    return block[start:stop if stop >= 0 else len(block)].strip()


class SimpleRequest:
    """What the fast path read of a request: enough to route it and to build the component's head."""

    __slots__ = ("block", "host", "method", "path", "target")

    def __init__(self, method: str, target: str, path: str, block: bytes, host: bytes | None) -> None:
        self.method = method
        self.target = target
        self.path = path
        self.block = block  # the header lines as they came, without `Connection: keep-alive`
        self.host = host


def simple_request(data: bytes) -> SimpleRequest | None:
    """`data` read as one GET or HEAD head (HTTP/1.1, nothing after it) whose headers pass on unchanged but for
    `Connection: keep-alive`; None for anything else."""
    match = _SIMPLE_REQUEST.fullmatch(data)
    if match is None:
        return None
    block = match.group(3)
    lower = block.lower()
    if _SLOW_REQUEST.search(lower):
        return None
    connection = lower.find(b"\r\nconnection:")
    if connection >= 0:
        if _value(lower, connection, 11) != b"keep-alive" or lower.find(b"\r\nconnection:", connection + 2) >= 0:
            return None
        stop = block.find(b"\r\n", connection + 2)
        block = block[:connection] + (block[stop:] if stop >= 0 else b"")
        lower = block.lower()
    host = lower.find(b"\r\nhost:")
    target = match.group(2).decode("latin-1")
    return SimpleRequest(match.group(1).decode(), target, target.partition("?")[0], block,
                         _value(block, host, 5) if host >= 0 else None)


def upstream_head(method: str, target: str, route: Route, block: bytes, host: bytes, client_ip: bytes,
                  router_headers: bytes, *, forwarded: tuple[bytes | None, ...] = (None, None, None, None),
                  upgrade: bytes | None = None) -> bytes:
    """The request head for the component from its parts (the general path's and the fast path's one builder):
    `block` the client's header lines already without the dropped ones, `forwarded` the client's own
    x-forwarded-for/-port/-proto/-host values (or None)."""
    given_for, given_port, given_proto, given_host = forwarded
    _name, colon, port = host.rpartition(b":")
    port = port if colon and port.isdigit() else b"80"  # the Host header's port, else 80
    connection = (b"\r\nUpgrade: " + upgrade + b"\r\nConnection: Upgrade\r\n\r\n" if upgrade is not None
                  else KEEP_ALIVE)
    return b"".join((
        f"{method} {route.upstream_path(target)} HTTP/1.1".encode("latin-1"), block,
        b"\r\nx-forwarded-for: ", given_for + b"," + client_ip if given_for else client_ip,
        b"\r\nx-forwarded-port: ", given_port + b"," + port if given_port else port,
        b"\r\nx-forwarded-proto: ", given_proto + b",http" if given_proto else b"http",
        b"\r\nx-forwarded-host: ", given_host or host, router_headers, connection))


def simple_response(data: bytes) -> tuple[int, bytes, bytes, bool] | None:
    """`data` read as one whole response with a Content-Length body (nothing after it) and a final status that
    has a body: (status, its head without Connection/Keep-Alive lines and without the closing empty line, the
    body, whether the component closes the connection); None for anything else."""
    match = _WHOLE_RESPONSE.match(data)
    if match is None:
        return None
    code, block = match.group(1, 2)
    if code == b"204" or code == b"304":
        return None
    lower = block.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0 or b"\r\ntransfer-encoding:" in lower or lower.find(b"\r\ncontent-length:", at + 2) >= 0:
        return None
    length = _value(lower, at, 15)
    end = match.end()
    if not length.isdigit() or int(length) != len(data) - end:
        return None
    close = False
    connection = lower.find(b"\r\nconnection:")
    if connection >= 0 or b"\r\nkeep-alive:" in lower:
        close = connection >= 0 and b"close" in _value(lower, connection, 11)
        block = CONNECTION_LINES.sub(b"", block)
    return int(code), data[:match.start(2)] + block, data[end:], close
