"""A raw-socket HTTP server that misbehaves on purpose (one fault for every request), for the
network-fault tests: what pytest-httpserver cannot do (truncated bodies, never answering)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

FAULTS = ("refused", "timeout", "5xx", "truncated", "wrong-type")

_ANSWERS = {
    "5xx": b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
           b"Connection: close\r\n\r\n{\"error\":\"down\"}\n",
    # promises 4096 bytes, sends a few, then closes the connection
    "truncated": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n"
                 b"Connection: close\r\n\r\n{\"did\": \"z8ia",
    "wrong-type": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 31\r\nConnection: close\r\n\r\n"
                  b"<html><body>login</body></html>",
}


def closed_port_url() -> str:
    """A URL on which nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _read_request(conn: socket.socket) -> None:
    """Read the head and (up to Content-Length) the body, so the client is never cut mid-upload."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


@contextmanager
def raw_server(respond: Callable[[socket.socket], None]) -> Iterator[str]:
    """The base URL of a raw TCP server on 127.0.0.1 that reads each request and hands the connection to
    `respond` (in a thread of its own); every connection is closed when the block ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn = server.accept()[0]
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    def answer(conn: socket.socket) -> None:
        try:
            _read_request(conn)
            respond(conn)
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for conn in held:
            conn.close()


@contextmanager
def fault_server(fault: str) -> Iterator[str]:
    """The base URL of a server that answers every request with `fault`."""
    if fault == "refused":
        yield closed_port_url()
        return

    def respond(conn: socket.socket) -> None:
        if fault == "timeout":
            return  # hold the connection open, never answer
        conn.sendall(_ANSWERS[fault])
        conn.close()

    with raw_server(respond) as url:
        yield url


# -- hostile servers: answers built to hurt the client -----------------------------------------------
HOSTILE = ("bomb", "trickle", "deep-json", "escapes")
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mEvil\x9b1m"  # OSC retitle, CSI clear screen, colour, C1 CSI


def gzip_bomb(mib: int = 1024) -> bytes:
    """A gzip stream of about `mib` KiB that inflates to `mib` MiB of zeros (1 MiB → 1 GiB by default).

    Built without compressing a GiB: one full-flushed deflate block of 1 MiB of zeros, repeated."""
    import struct
    import zlib

    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    trailer = struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + piece * mib + b"\x03\x00" + trailer


_BOMB: list[bytes] = []


def _hostile_answer(kind: str, conn: socket.socket, interval: float) -> None:
    import time

    if kind == "bomb":
        if not _BOMB:
            _BOMB.append(gzip_bomb())
        body = _BOMB[0]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    elif kind == "trickle":  # one byte per `interval`, from the status line on, forever
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 100000:
            conn.sendall(bytes([byte]))
            time.sleep(interval)
    elif kind == "deep-json":
        body = b"[" * 200000
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(body) + body)
    elif kind == "escapes":
        import json

        body = json.dumps({"error": ESCAPES * 2000, "message": ESCAPES}).encode()
        conn.sendall(b"HTTP/1.1 500 " + ESCAPES.encode("latin-1") + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    conn.close()


@contextmanager
def hostile_server(kind: str, *, interval: float = 1.0) -> Iterator[str]:
    """The base URL of a server answering every request with the hostile answer `kind` (see HOSTILE)."""
    with raw_server(lambda conn: _hostile_answer(kind, conn, interval)) as url:
        yield url
