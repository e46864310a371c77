"""The dev gateway: one port in front of every component, routing as Blocklet Server's router does.

Reference: ArcBlock/blocklet-server core/router-provider/lib/default/daemon.js (`createRequestHandler`: prefix
stripping, `x-path-prefix` / `x-group-path-prefix` / `x-blocklet-did` / `x-blocklet-component-id`, the 307 from
`/prefix` to `/prefix/` on GET), core/router-provider/lib/util.js (`findRule`: prefix match, rules sorted longest
first; `x-routing-rule-id` from the rule's id), the main server of daemon.js (http-proxy with `xfwd`:
`x-forwarded-for`/`-port`/`-proto`/`-host`, `Host` kept). The default provider adds nothing else (the nginx one
also adds `X-Real-IP` and `X-Request-ID`; tests/e2e/test_dev_parity_server.py compares with the default one).

An HTTP/1.1 reverse proxy on asyncio's low-level protocols (core/dev/proxy.py), run in a thread of its own.
A component that does not accept connections answers 502 naming it; the others keep serving.

Never prints: requests are reported through the `on_request` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping

from blocklet_cli.core.dev import fastpath
from blocklet_cli.core.dev.http1 import HOP_BY_HOP, Answer, RequestHead, header_lines
from blocklet_cli.core.dev.proxy import ClientConnection, ComponentConnection
from blocklet_cli.core.dev.routing import ROUTER_HEADERS, Route, RouteTable, pick_route
from blocklet_cli.core.errors import UsageError

__all__ = ["WELLKNOWN_SERVICE_PREFIX", "Answer", "Gateway", "LocalHandler", "OnRequest", "Route", "pick_route"]

MAX_IDLE = 64  # idle kept-alive connections per component (more clients at once than this: new connections)
WELLKNOWN_SERVICE_PREFIX = "/.well-known/service"
DROPPED = header_lines(HOP_BY_HOP + ROUTER_HEADERS)  # request headers not passed on as they are
DROPPED_CHUNKED = header_lines((*HOP_BY_HOP, *ROUTER_HEADERS, "content-length"))  # and for a chunked body
OnRequest = Callable[[str, str, int, str], None]  # (method, path, status, component name or "")


LocalHandler = Callable[[str, str, Mapping[str, str]], "Answer | None"]  # (method, target, headers) -> Answer or None


class Gateway:
    """The gateway server; `start()` binds 127.0.0.1:`port` (0 = a free port) and serves in a thread."""

    def __init__(self, routes: list[Route], port: int = 0, *, host: str = "127.0.0.1",
                 local: LocalHandler | None = None, on_request: OnRequest | None = None) -> None:
        self.routes = list(routes)
        self.host = host
        self.port = port
        self.local = local
        self.on_request = on_request or (lambda method, path, status, name: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._idle: dict[int, list[ComponentConnection]] = {}
        self._router_headers = {id(route): route.router_headers() for route in self.routes}
        self._table = RouteTable(self.routes)
        self._tasks: set[asyncio.Task] = set()

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self._run, daemon=True, name="blocklet-dev-gateway")
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise UsageError(f"the dev gateway cannot listen on {self.host}:{self.port}: {self._error}")
        return self

    def _run(self) -> None:
        loop = _event_loop()
        loop.set_exception_handler(lambda loop, context: None)  # errors are answers to clients, never stderr
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                loop.create_server(lambda: ClientConnection(self), self.host, self.port, reuse_address=True))
            self.port = self._server.sockets[0].getsockname()[1]
        except OSError as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for idle in self._idle.values():
                for conn in idle:
                    conn.transport.abort()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
            loop.close()

    def close(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def spawn(self, coroutine) -> None:
        """Run `coroutine` on the gateway's loop, holding a reference until it ends."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- component connections -------------------------------------------------------------------
    def idle_connection(self, port: int) -> ComponentConnection | None:
        idle = self._idle.get(port)
        while idle:
            conn = idle.pop()
            if conn.alive:
                conn.reused = True
                return conn
        return None

    def release(self, conn: ComponentConnection) -> None:
        """A component connection whose response is complete: kept idle for the next request, or closed (a
        connection the component closes, or more than MAX_IDLE idle ones); either way no client's any more."""
        conn.client = None
        idle = self._idle.setdefault(conn.port, [])
        if conn.alive and len(idle) < MAX_IDLE:
            conn.resume()
            idle.append(conn)
        else:
            conn.alive = False
            conn.transport.close()

    def forget(self, conn: ComponentConnection) -> None:
        with contextlib.suppress(ValueError):
            self._idle.get(conn.port, []).remove(conn)

    def upstream_head(self, request: RequestHead, route: Route, client_ip: str, chunked: bool) -> bytes:
        """The request head for the component: hop-by-hop headers dropped, the router's headers set.

        `x-forwarded-for`/`-port`/`-proto` are appended to what the client sent (comma-joined) and
        `x-forwarded-host` kept when given, else the Host header, as http-proxy's `xfwd` does for the default
        router's main server (daemon.js). A chunked body goes on chunked, without a Content-Length."""
        values = request.values
        return fastpath.upstream_head(
            request.method, request.target, route, (DROPPED_CHUNKED if chunked else DROPPED).sub(b"", request.block),
            values.get(b"host") or self.own_host, client_ip.encode("latin-1"), self.router_headers(route),
            forwarded=(values.get(b"x-forwarded-for"), values.get(b"x-forwarded-port"),
                       values.get(b"x-forwarded-proto"), values.get(b"x-forwarded-host")),
            upgrade=values.get(b"upgrade", b"") if request.wants_upgrade else None)

    def route_for(self, path: str) -> Route | None:
        """The route owning `path` (as `pick_route`)."""
        return self._table.find(path)

    def router_headers(self, route: Route) -> bytes:
        """The router's header lines for one of this gateway's routes (as `route_for` returns them)."""
        return self._router_headers[id(route)]

    @property
    def own_host(self) -> bytes:
        """The Host header of a request that names none: the gateway's own address."""
        return f"{self.host}:{self.port}".encode()


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (a proxied request costs about a third less, see
    docs/performance.md), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
