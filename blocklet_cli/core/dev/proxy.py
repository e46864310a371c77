"""The dev gateway's connections: a client connection and a component connection, as asyncio protocols.

Per client connection one `ClientConnection` and, while a request is in flight, one `ComponentConnection` to the
component that owns it: bytes are forwarded as they arrive (bodies stream both ways, framing kept as it is,
memory stays flat whatever the size; each side pauses reading while the other cannot take more). Component
connections are kept alive and reused (requests without a body only, retried once on a fresh connection when the
component had closed the idle one); the client connection is kept alive when the response is framed; pipelined
requests are answered in order; an `Upgrade` request answered 101 becomes a raw two-way tunnel. Protocols, not
streams, keep a proxied request at a handful of Python calls (benchmarks/gateway.py).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol

from blocklet_cli.core.dev import fastpath
from blocklet_cli.core.dev.fastpath import simple_request, simple_response
from blocklet_cli.core.dev.http1 import (
    CLOSE,
    KEEP_ALIVE,
    MAX_HEAD,
    Answer,
    BadMessage,
    BodyFraming,
    HeaderLines,
    RequestHead,
    ResponseHead,
    answer_bytes,
    parse_request,
)
from blocklet_cli.core.dev.routing import Route

MAX_PIPELINED = 256 * 1024  # bytes read ahead from a client while its previous request is in flight
LINGER = 2.0  # seconds a refused client may go on sending (dropped) before its connection is closed


class Gateway(Protocol):
    """What the connections use of core/dev/gateway.Gateway (a protocol: the gateway module imports this one)."""

    local: Callable[[str, str, Mapping[str, str]], Answer | None] | None
    on_request: Callable[[str, str, int, str], None]

    @property
    def own_host(self) -> bytes: ...

    def route_for(self, path: str) -> Route | None: ...
    def router_headers(self, route: Route) -> bytes: ...
    def idle_connection(self, port: int) -> ComponentConnection | None: ...
    def release(self, conn: ComponentConnection) -> None: ...
    def forget(self, conn: ComponentConnection) -> None: ...
    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None: ...
    def upstream_head(self, request: RequestHead, route: Route, client_ip: str, chunked: bool) -> bytes: ...


def down_page(route: Route) -> Answer:
    message = (f"<!doctype html><title>502 - Bad gateway</title><h1>502 - Bad gateway</h1>"
               f"<p>Component {html.escape(route.name)} (mount point {html.escape(route.prefix)}, "
               f"port {route.port}) is not running.</p>\n")
    return Answer(502, message.encode(), "text/html; charset=utf-8", {"X-Blocklet-Component": route.name})


class ClientConnection(asyncio.Protocol):
    """One client connection: reads requests one after the other and hands each to a component (or answers it)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.client_ip = "127.0.0.1"
        self.buffer = b""  # bytes read and not yet handled: the next request's head (or more of a pipelined one)
        self.active = False  # a request is in flight
        self.request: RequestHead | None = None
        self.body: BodyFraming | None = None  # the request body still to come
        self.sink: ComponentConnection | None = None  # where that body goes (None: discarded)
        self.upstream: ComponentConnection | None = None  # the component connection answering the request
        self.keep = True  # keep the connection once the request in flight is answered
        self.responded = False  # the request in flight is answered (its body may still be coming)
        self.connecting = False  # waiting for a new component connection (the body waits in the buffer)
        self.tunnel = False
        self.closed = False
        self.eof = False  # the client half-closed: no request after the one in flight
        self.write_paused = False
        self.pauses: set[str] = set()

    # -- asyncio callbacks ------------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if peer:
            self.client_ip = peer[0]
        self.client_ip_bytes = self.client_ip.encode("latin-1")

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return  # refused: what still comes is dropped until the connection closes
        if not self.active and not self.buffer and data.endswith(b"\r\n\r\n") and self.fast_start(data):
            return
        try:
            if self.tunnel:
                if self.upstream is not None:
                    self.upstream.transport.write(data)
                return
            if self.body is not None and not self.buffer and not self.connecting:
                data = self.feed_body(data)
            self.buffer += data
            self.handle_buffer()
        except BadMessage as exc:
            self.refuse(exc)
        except Exception:  # a defect of the gateway's own: one answer, never a traceback on the terminal
            self.refuse(BadMessage(500, "the dev gateway failed on this request"))

    def eof_received(self) -> bool:
        if self.closed:
            return False  # refused and answered: the client is done too
        if self.tunnel and self.upstream is not None and self.upstream.transport.can_write_eof():
            self.upstream.transport.write_eof()
            return True
        if self.active and self.body is None:
            self.eof = True
            return True  # a client that half-closes after its request still gets the answer
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            upstream.client = None
            upstream.transport.close() if self.tunnel else upstream.transport.abort()
        if self.sink is not None and self.sink is not upstream:
            self.sink.transport.abort()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.upstream is not None:
            self.upstream.pause()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.upstream is not None:
            self.upstream.resume()

    # -- reading ------------------------------------------------------------------------------------
    def pause(self, reason: str) -> None:
        if not self.pauses:
            self.transport.pause_reading()
        self.pauses.add(reason)

    def resume(self, reason: str) -> None:
        if reason in self.pauses:
            self.pauses.discard(reason)
            if not self.pauses and not self.closed:
                self.transport.resume_reading()

    def handle_buffer(self) -> None:
        """Handle what the buffer holds: body bytes of the request in flight, then, when idle, the next head."""
        while self.buffer and not self.closed:
            if self.body is not None:
                if self.connecting:
                    break  # the body waits for the component connection
                data, self.buffer = self.buffer, b""
                self.buffer = self.feed_body(data) + self.buffer
                continue
            if self.active:
                break  # pipelined: the next request waits for the answer to this one
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise BadMessage(431, "request head too large")
                break
            raw, self.buffer = self.buffer[:end + 4], self.buffer[end + 4:]
            self.start(parse_request(raw))
        if self.active and len(self.buffer) > MAX_PIPELINED:
            self.pause("pipelined")
        else:
            self.resume("pipelined")

    def feed_body(self, data: bytes) -> bytes:
        """Forward the leading part of `data` that belongs to the request body; returns the rest."""
        body = self.body
        assert body is not None
        used = body.feed(data)
        if self.sink is not None and used:
            self.sink.transport.write(data if used == len(data) else data[:used])
        if body.done:
            self.body = None
            self.sink = None
            self.maybe_finish()
        return data[used:] if used < len(data) else b""

    def refuse(self, exc: BadMessage) -> None:
        """A request that is not valid HTTP: answered with its status (unless a response is under way, which is cut
        short), the connection closed."""
        upstream, self.upstream = self.upstream, None
        self.keep = False
        self.body = None
        if upstream is not None:
            upstream.client = None
            upstream.alive = False
            upstream.transport.abort()
        if self.closed:
            return
        self.closed = True
        if upstream is not None and upstream.started:
            self.transport.abort()
            return
        self.transport.write(answer_bytes(Answer(exc.status, f"{exc}\n".encode()), keep_alive=False))
        self.close_after_answer()

    def close_after_answer(self) -> None:
        """Close once the answer is out, after reading (and dropping) what the client still sends for a moment: a
        close with unread data resets the connection, and the reset can take the answer with it."""
        self.closed = True
        self.buffer = b""
        transport = self.transport
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        if self.pauses:
            self.pauses.clear()
            transport.resume_reading()
        asyncio.get_running_loop().call_later(LINGER, transport.close)

    # -- one request ------------------------------------------------------------------------------
    def fast_start(self, data: bytes) -> bool:
        """A simple request (core/dev/fastpath.py) sent on an idle kept-alive component connection in one go;
        False when it is not one (or no idle connection is at hand): nothing done, the general path takes it."""
        simple = simple_request(data)
        if simple is None:
            return False
        gateway = self.gateway
        if gateway.local is not None and gateway.local(simple.method, simple.target, HeaderLines(simple.block)):
            return False  # the gateway answers it itself: the general path does (and asks the handler again)
        route = gateway.route_for(simple.path)
        if route is None or (route.prefix != "/" and simple.path == route.prefix):
            return False
        conn = gateway.idle_connection(route.port)
        if conn is None:
            return False
        head = fastpath.upstream_head(simple.method, simple.target, route, simple.block,
                                      simple.host or gateway.own_host, self.client_ip_bytes,
                                      gateway.router_headers(route))
        self.active, self.keep, self.body = True, True, None
        self.request = RequestHead.simple(simple.method, simple.target, simple.path, simple.block)
        self.send(conn, route, head)
        return True

    def start(self, request: RequestHead) -> None:
        gateway = self.gateway
        self.active, self.request, self.keep = True, request, request.keep_alive
        self.body = request.body_framing() if not request.wants_upgrade else None
        if gateway.local is not None:
            answer = gateway.local(request.method, request.target, HeaderLines(request.block))
            if answer is not None:
                self.answer(answer)
                gateway.on_request(request.method, request.target, answer.status, "")
                return
        path = request.path
        route = gateway.route_for(path)
        if route is None:
            self.answer(Answer(404, f"No component is mounted at {path}\n".encode()))
            gateway.on_request(request.method, request.target, 404, "")
            return
        if request.method == "GET" and route.prefix != "/" and path == route.prefix:
            query = request.target[len(path):]
            self.answer(Answer(307, b"", headers={"Location": route.prefix + "/" + query}))
            gateway.on_request(request.method, request.target, 307, route.name)
            return
        head = gateway.upstream_head(request, route, self.client_ip, bool(self.body and self.body.chunked))
        pooled = self.body is None and not request.wants_upgrade
        conn = gateway.idle_connection(route.port) if pooled else None
        if conn is not None:
            self.send(conn, route, head)
            return
        self.connecting = True
        self.pause("connecting")
        self.gateway.spawn(self.connect(route, head))

    async def connect(self, route: Route, head: bytes, *, retry: bool = False) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(lambda: ComponentConnection(self.gateway, route.port), "127.0.0.1",
                                                   route.port)
        except OSError:
            self.connecting = False
            if not self.closed and self.request is not None:
                self.gateway.on_request(self.request.method, self.request.target, 502, route.name)
                self.answer(down_page(route))
            self.resume("connecting")
            self.continue_buffer()
            return
        self.connecting = False
        if self.closed:
            conn.transport.close()
            return
        self.send(conn, route, head, retried=retry)
        self.resume("connecting")
        self.continue_buffer()

    def send(self, conn: ComponentConnection, route: Route, head: bytes, *, retried: bool = False) -> None:
        request = self.request
        assert request is not None
        self.upstream = conn
        conn.attach(self, route, head, request, retried=retried)
        if self.write_paused:
            conn.pause()
        conn.transport.write(head)
        if self.body is not None:
            self.sink = conn
            if request.values.get(b"expect", b"").lower() == b"100-continue":
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def answer(self, answer: Answer) -> None:
        """The gateway's own answer to the request in flight; its body (if any) is read and dropped."""
        self.sink = None
        head_only = self.request is not None and self.request.method == "HEAD"
        self.transport.write(answer_bytes(answer, keep_alive=self.keep, head_only=head_only))
        self.response_done(keep=self.keep)

    def response_done(self, *, keep: bool) -> None:
        """The answer to the request in flight is written: next request once its body has been read too."""
        self.upstream = None
        self.keep = self.keep and keep
        self.responded = True
        self.maybe_finish()

    def maybe_finish(self) -> None:
        if not self.active or self.body is not None or not self.responded:
            return
        self.active = False
        self.responded = False
        self.request = None
        if not self.keep or self.eof:
            self.closed = True
            self.transport.close()
            return
        if self.buffer:
            asyncio.get_running_loop().call_soon(self.continue_buffer)

    def continue_buffer(self) -> None:
        try:
            self.handle_buffer()
        except BadMessage as exc:
            self.refuse(exc)
        except Exception:
            self.refuse(BadMessage(500, "the dev gateway failed on this request"))

    def upstream_failed(self, route: Route) -> None:
        """The component answered nothing valid: 502, and the client connection closes."""
        self.upstream = None
        self.keep = False
        if self.closed:
            return
        self.transport.write(answer_bytes(Answer(502, f"Component {route.name} gave no valid answer\n".encode()),
                                           keep_alive=False))
        self.close_after_answer()

    def start_tunnel(self) -> None:
        self.tunnel = True
        self.body = None
        rest, self.buffer = self.buffer, b""
        if rest and self.upstream is not None:
            self.upstream.transport.write(rest)
        self.pauses.clear()
        self.transport.resume_reading()

    def pause_upload(self) -> None:
        self.pause("upstream-full")

    def resume_upload(self) -> None:
        self.resume("upstream-full")


class ComponentConnection(asyncio.Protocol):
    """A connection to a component: forwards the response of the request in flight to its client."""

    def __init__(self, gateway: Gateway, port: int) -> None:
        self.gateway = gateway
        self.port = port
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.client: ClientConnection | None = None
        self.route: Route | None = None
        self.request: RequestHead | None = None
        self.whole = False  # the response may come whole in one read (core/dev/fastpath.py)
        self.head = b""  # the request head sent, kept to send again on a retry
        self.reused = False
        self.alive = True
        self.paused = False
        self.buffer = b""  # a response head read in part
        self.body: BodyFraming | None = None  # the response body still to come
        self.until_eof = False  # a response body that ends when the component closes
        self.started = False  # the response head went to the client
        self.tunnel = False

    def attach(self, client: ClientConnection, route: Route, head: bytes, request: RequestHead, *,
               retried: bool) -> None:
        self.client, self.route, self.head, self.request = client, route, head, request
        self.buffer, self.body, self.until_eof, self.started = b"", None, False, False
        self.whole = request.method != "HEAD" and not request.wants_upgrade
        if retried:
            self.reused = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    # -- flow control -------------------------------------------------------------------------------
    def pause(self) -> None:
        if not self.paused and self.alive:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.alive:
            self.paused = False
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        if self.client is not None:
            self.client.pause_upload()

    def resume_writing(self) -> None:
        if self.client is not None:
            self.client.resume_upload()

    # -- reading ------------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.whole and not self.started and not self.buffer and self.client is not None:
            whole = simple_response(data)
            if whole is not None:
                self.pass_whole(*whole)
                return
        try:
            self.receive(data)
        except BadMessage:
            self.fail()
        except Exception:
            self.fail()

    def receive(self, data: bytes) -> None:
        client = self.client
        if client is None:  # an idle connection that talks: not reusable
            self.alive = False
            self.transport.close()
            return
        if self.tunnel:
            client.transport.write(data)
            return
        if self.started:
            self.forward(data)
            return
        self.buffer += data
        self.read_head()

    def read_head(self) -> None:
        client, request, route = self.client, self.request, self.route
        assert client is not None and request is not None and route is not None
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise BadMessage(502, "response head too large")
                return
            raw, rest = self.buffer[:end + 4], self.buffer[end + 4:]
            head = ResponseHead(raw)
            self.buffer = rest
            if head.status < 200 and head.status != 101:
                continue  # interim answers are the gateway's own business (100 Continue sent by the gateway)
            break
        self.buffer = b""
        status = head.status
        if status == 101:
            self.started = self.tunnel = True
            self.gateway.on_request(request.method, request.target, status, route.name)
            client.transport.write(raw + rest)
            client.start_tunnel()
            return
        if request.method == "HEAD" or status in (204, 304):
            self.body = BodyFraming()
        elif head.chunked:
            self.body = BodyFraming(chunked=True)
        elif head.length is not None:
            self.body = BodyFraming(length=head.length)
        else:
            self.until_eof = True
        self.started = True
        self.gateway.on_request(request.method, request.target, status, route.name)
        self.alive = not self.until_eof and not head.close and not request.wants_upgrade
        keep = client.keep = client.keep and not self.until_eof
        body = self.body
        if body is None:
            client.transport.write(head.encode(keep_alive=keep) + rest)
            return
        used = body.feed(rest)
        client.transport.write(head.encode(keep_alive=keep) + (rest if used == len(rest) else rest[:used]))
        if used < len(rest):
            self.alive = False  # more than the response: a confused component, not reused
        if body.done:
            self.finish()

    def pass_whole(self, status: int, head: bytes, body: bytes, close: bool) -> None:
        """A whole response read by the fast path: to the client in one write, the connection back to the pool."""
        client, request, route = self.client, self.request, self.route
        assert client is not None and request is not None and route is not None
        self.started = True
        self.gateway.on_request(request.method, request.target, status, route.name)
        self.alive = not close
        client.transport.write(b"".join((head, KEEP_ALIVE if client.keep else CLOSE, body)))
        self.finish()

    def forward(self, data: bytes) -> None:
        client = self.client
        assert client is not None
        if self.body is None:  # until the component closes
            client.transport.write(data)
            return
        try:
            used = self.body.feed(data)
        except BadMessage:  # the response is cut where its framing breaks
            self.alive = False
            self.transport.abort()
            return
        client.transport.write(data if used == len(data) else data[:used])
        if self.body.done:
            if used < len(data):
                self.alive = False  # more than the response: a confused component, not reused
            self.finish()

    def finish(self) -> None:
        """The response is complete: the connection goes back to the pool (when reusable), the client goes on."""
        client = self.client
        assert client is not None
        if client.body is not None:  # answered before the request body was all sent: not reusable
            self.alive = False
            client.sink = None
        self.gateway.release(self)
        client.response_done(keep=True)

    def fail(self) -> None:
        """The component's answer is not valid HTTP: 502 when nothing went to the client yet, else cut short."""
        client, route = self.client, self.route
        self.alive = False
        self.client = None
        self.transport.abort()
        if client is not None and (self.started or self.tunnel):
            client.closed = True
            client.transport.abort()
        elif client is not None and route is not None:
            if client.request is not None:
                self.gateway.on_request(client.request.method, client.request.target, 502, route.name)
            client.upstream_failed(route)

    def eof_received(self) -> bool:
        if self.tunnel and self.client is not None and self.client.transport.can_write_eof():
            self.client.transport.write_eof()
            return True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        client, self.client = self.client, None
        if client is None:
            self.gateway.forget(self)
            return
        if self.tunnel:
            client.transport.close()
            return
        if self.started:
            if self.until_eof:
                client.keep = False
                client.response_done(keep=False)
            else:  # cut short: the client cannot know where the body ends otherwise
                client.closed = True
                client.transport.abort()
            return
        route, request = self.route, client.request
        assert route is not None
        if self.reused and not self.buffer and request is not None and client.body is None and not client.closed:
            # the component closed the idle connection as the request went out: once more, on a new one
            client.upstream = None
            client.connecting = True
            client.pause("connecting")
            self.gateway.spawn(client.connect(route, self.head, retry=True))
            return
        if request is not None:
            self.gateway.on_request(request.method, request.target, 502, route.name)
        client.upstream_failed(route)
