"""The dev gateway: one port in front of every component, routing as Blocklet Server's router does.

Reference: ArcBlock/blocklet-server core/router-provider/lib/default/daemon.js (`createRequestHandler`: prefix
stripping, `x-path-prefix` / `x-group-path-prefix` / `x-blocklet-did` / `x-blocklet-component-id`, the 307 from
`/prefix` to `/prefix/` on GET), core/router-provider/lib/util.js (`findRule`: prefix match, rules sorted longest
first; `x-routing-rule-id` from the rule's id), the main server of daemon.js (http-proxy with `xfwd`:
`x-forwarded-for`/`-port`/`-proto`/`-host`, `Host` kept). The default provider adds nothing else (the nginx one
also adds `X-Real-IP` and `X-Request-ID`; tests/e2e/test_dev_parity_server.py compares with the default one).

An asyncio HTTP/1.1 reverse proxy run in a thread: bodies stream both ways in 64 KiB pieces (memory stays flat
whatever the size), connections to components are kept alive and reused (requests without a body only, retried once
on a fresh connection when the component had closed the idle one), the client connection is kept alive when the
response is framed, and an `Upgrade` request becomes a raw two-way tunnel. A component that does
not accept connections answers 502 naming it; the others keep serving.

Never prints: requests are reported through the `on_request` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from blocklet_cli.core.errors import UsageError

CHUNK = 64 * 1024
MAX_HEAD = 64 * 1024
MAX_IDLE = 16  # idle kept-alive connections per component
WELLKNOWN_SERVICE_PREFIX = "/.well-known/service"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"}
OnRequest = Callable[[str, str, int, str], None]  # (method, path, status, component name or "")


@dataclass(frozen=True)
class Route:
    """One component behind the gateway: requests under `prefix` go to 127.0.0.1:`port` with the prefix removed."""

    prefix: str  # the mount point, "/" or "/name" (no trailing slash)
    port: int
    name: str
    did: str = ""  # x-blocklet-did: the app's DID
    component_id: str = ""  # x-blocklet-component-id: "<app did>/<component did>"
    group_prefix: str = "/"  # x-group-path-prefix: the app's mount point
    rule_id: str = ""  # x-routing-rule-id: the id of the routing rule (one per component)

    @staticmethod
    def normalise(mount_point: str) -> str:
        value = "/" + str(mount_point or "/").strip().strip("/")
        return value if value == "/" else value.rstrip("/")

    def matches(self, path: str) -> bool:
        if self.prefix == "/":
            return True
        return path == self.prefix or path.startswith(self.prefix + "/")

    def upstream_path(self, target: str) -> str:
        """The request target with the mount point removed (`/a/b?q` under `/a` -> `/b?q`)."""
        if self.prefix == "/":
            return target
        rest = target[len(self.prefix):]
        return rest if rest.startswith("/") else "/" + rest


@dataclass
class Answer:
    """A response the gateway gives itself (no component involved)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


LocalHandler = Callable[[str, str, dict[str, str]], "Answer | None"]  # (method, target, headers) -> Answer or None

REASONS = {101: "Switching Protocols", 200: "OK", 307: "Temporary Redirect", 400: "Bad Request",
           404: "Not Found", 431: "Request Header Fields Too Large", 501: "Not Implemented", 502: "Bad Gateway"}


def pick_route(routes: list[Route], path: str) -> Route | None:
    """The route owning `path`: the longest matching mount point."""
    best = None
    for route in routes:
        if route.matches(path) and (best is None or len(route.prefix) > len(best.prefix)):
            best = route
    return best


class _Request:
    def __init__(self, method: str, target: str, version: str, headers: list[tuple[str, str]]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.lookup = {key.lower(): value for key, value in reversed(headers)}  # the first of a repeated name

    def get(self, name: str) -> str | None:
        return self.lookup.get(name)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def wants_upgrade(self) -> bool:
        connection = (self.get("connection") or "").lower()
        return bool(self.get("upgrade")) and "upgrade" in connection

    @property
    def keep_alive(self) -> bool:
        connection = (self.get("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


class _Done:
    """Stands for the request-body task of a request without a body."""

    def cancel(self) -> None:
        return None

    def __await__(self):
        return iter(())


_DONE = _Done()


class _Upstream:
    """A connection to a component; `reusable` once a framed response has been read to its end."""

    def __init__(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.port = port
        self.reader = reader
        self.writer = writer
        self.reused = False
        self.reusable = False


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest(400, "incomplete request head") from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequest(431, "request head too large") from exc


def _parse_head(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = raw.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if ":" not in line or line[0] in " \t":
            raise BadRequest(400, "malformed header line")
        key, value = line.split(":", 1)
        headers.append((key.strip(), value.strip()))
    return lines[0], headers


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
        self._idle: dict[int, list[_Upstream]] = {}

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self._run, daemon=True, name="blocklet-dev-gateway")
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise UsageError(f"the dev gateway cannot listen on {self.host}:{self.port}: {self._error}")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, self.host, self.port, limit=MAX_HEAD, reuse_address=True))
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
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._server.wait_closed())
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

    # -- one client connection ------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        try:
            while True:
                try:
                    raw = await _read_head(reader)
                    if raw is None:
                        break
                    request_line, headers = _parse_head(raw)
                    parts = request_line.split(" ")
                    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                        raise BadRequest(400, "malformed request line")
                    request = _Request(parts[0], parts[1], parts[2], headers)
                    if not request.target.startswith("/"):
                        raise BadRequest(400, "only origin-form request targets are accepted")
                except BadRequest as exc:
                    await self._answer(writer, Answer(exc.status, f"{exc}\n".encode()), keep_alive=False)
                    break
                keep = await self._handle(request, reader, writer, peer[0])
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def _answer(self, writer: asyncio.StreamWriter, answer: Answer, *, keep_alive: bool,
                      head_only: bool = False) -> None:
        lines = [f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'Unknown')}",
                 f"Content-Type: {answer.content_type}", f"Content-Length: {len(answer.body)}",
                 "Connection: " + ("keep-alive" if keep_alive else "close")]
        lines += [f"{key}: {value}" for key, value in answer.headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else answer.body))
        await writer.drain()

    async def _handle(self, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      client_ip: str) -> bool:
        keep_alive = request.keep_alive
        has_body = request.get("content-length") not in (None, "0") or request.get("transfer-encoding")
        if self.local is not None:
            answer = self.local(request.method, request.target, request.lookup)
            if answer is not None:
                await self._discard_body(request, reader)
                await self._answer(writer, answer, keep_alive=keep_alive, head_only=request.method == "HEAD")
                self.on_request(request.method, request.target, answer.status, "")
                return keep_alive
        route = pick_route(self.routes, request.path)
        if route is None:
            await self._discard_body(request, reader)
            await self._answer(writer, Answer(404, f"No component is mounted at {request.path}\n".encode()),
                               keep_alive=keep_alive)
            self.on_request(request.method, request.target, 404, "")
            return keep_alive
        if request.method == "GET" and route.prefix != "/" and request.path == route.prefix:
            query = request.target[len(request.path):]
            await self._answer(writer, Answer(307, b"", headers={"Location": route.prefix + "/" + query}),
                               keep_alive=keep_alive)
            self.on_request(request.method, request.target, 307, route.name)
            return keep_alive
        pooled = not has_body and not request.wants_upgrade
        try:
            conn = await self._connect(route.port, pooled)
        except OSError:
            await self._discard_body(request, reader)
            message = (f"<!doctype html><title>502 - Bad gateway</title><h1>502 - Bad gateway</h1>"
                       f"<p>Component {html.escape(route.name)} (mount point {html.escape(route.prefix)}, "
                       f"port {route.port}) is not running.</p>\n")
            await self._answer(writer, Answer(502, message.encode(), "text/html; charset=utf-8",
                                              {"X-Blocklet-Component": route.name}), keep_alive=keep_alive)
            self.on_request(request.method, request.target, 502, route.name)
            return keep_alive
        try:
            return await self._proxy(request, route, reader, writer, conn, client_ip, bool(has_body))
        finally:
            if not conn.reusable:
                with contextlib.suppress(Exception):
                    conn.writer.close()

    async def _connect(self, port: int, pooled: bool) -> _Upstream:
        """An idle kept-alive connection to the component (for requests without a body), else a new one."""
        idle = self._idle.setdefault(port, [])
        while pooled and idle:
            conn = idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                conn.reused = True
                return conn
            conn.writer.close()
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_HEAD)
        return _Upstream(port, up_reader, up_writer)

    def _release(self, conn: _Upstream) -> None:
        idle = self._idle.setdefault(conn.port, [])
        if conn.reusable and len(idle) < MAX_IDLE:
            idle.append(conn)
        else:
            conn.reusable = False
            conn.writer.close()

    def _upstream_head(self, request: _Request, route: Route, client_ip: str, upgrade: bool) -> bytes:
        """The request head for the component: hop-by-hop headers dropped, the router's headers set.

        `x-forwarded-for`/`-port`/`-proto` are appended to what the client sent (comma-joined) and
        `x-forwarded-host` kept when given, else the Host header, as http-proxy's `xfwd` does for the default
        router's main server (daemon.js)."""
        host = request.get("host") or f"{self.host}:{self.port}"
        dropped = ("x-path-prefix", "x-group-path-prefix", "x-blocklet-did", "x-blocklet-component-id",
                   "x-routing-rule-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-host")
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP and k.lower() not in dropped]
        port = re.search(r":(\d+)$", host)

        def append(name: str, value: str) -> str:
            given = request.get(name)
            return f"{given},{value}" if given else value

        headers += [
            ("x-forwarded-for", append("x-forwarded-for", client_ip)),
            ("x-forwarded-port", append("x-forwarded-port", port.group(1) if port else "80")),
            ("x-forwarded-proto", append("x-forwarded-proto", "http")),
            ("x-forwarded-host", request.get("x-forwarded-host") or host),
            ("x-path-prefix", route.prefix),
            ("x-group-path-prefix", route.group_prefix or "/"),
        ]
        if route.did:
            headers.append(("x-blocklet-did", route.did))
        if route.component_id:
            headers.append(("x-blocklet-component-id", route.component_id))
        if route.rule_id:
            headers.append(("x-routing-rule-id", route.rule_id))
        if upgrade:
            headers += [("Upgrade", request.get("upgrade") or ""), ("Connection", "Upgrade")]
        else:
            headers.append(("Connection", "keep-alive"))
        lines = [f"{request.method} {route.upstream_path(request.target)} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _proxy(self, request: _Request, route: Route, reader, writer, conn: _Upstream, client_ip: str,
                     has_body: bool) -> bool:
        upgrade = request.wants_upgrade
        head = self._upstream_head(request, route, client_ip, upgrade)
        up_reader, up_writer = conn.reader, conn.writer
        up_writer.write(head)
        if (request.get("expect") or "").lower() == "100-continue" and has_body:
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        body = asyncio.ensure_future(self._copy_request_body(request, reader, up_writer)) if has_body else _DONE
        try:
            raw = None
            while True:
                raw = await _read_head(up_reader)
                if raw is None and conn.reused:  # the component closed the idle connection: once more, anew
                    conn.reused = False
                    up_writer.close()
                    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", route.port, limit=MAX_HEAD)
                    conn.reader, conn.writer = up_reader, up_writer
                    up_writer.write(head)
                    continue
                if raw is None:
                    raise ConnectionError("the component closed the connection without answering")
                status_line, headers = _parse_head(raw)
                status = int(status_line.split(" ")[1])
                if 100 <= status < 200 and status != 101:
                    continue  # interim answers are the gateway's own business (100 Continue sent above)
                break
        except (ConnectionError, BadRequest, ValueError, IndexError, OSError):
            body.cancel()
            await self._answer(writer, Answer(502, f"Component {route.name} gave no valid answer\n".encode()),
                               keep_alive=False)
            self.on_request(request.method, request.target, 502, route.name)
            return False
        self.on_request(request.method, request.target, status, route.name)
        if status == 101:
            writer.write(raw)
            await writer.drain()
            body.cancel()
            await _tunnel(reader, writer, up_reader, up_writer)
            return False
        lowered = {k.lower(): v for k, v in headers}
        chunked = "chunked" in lowered.get("transfer-encoding", "").lower()
        no_body = request.method == "HEAD" or status in (204, 304)
        length = lowered.get("content-length")
        framed = no_body or chunked or length is not None
        keep = request.keep_alive and framed
        kept = [(k, v) for k, v in headers if k.lower() not in ("connection", "keep-alive")]
        kept.append(("Connection", "keep-alive" if keep else "close"))
        response_head = (status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept) + "\r\n").encode("latin-1")

        async def send(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        if no_body:
            writer.write(response_head)
            await writer.drain()
        elif not chunked and length is not None and 0 <= int(length) <= CHUNK:
            # a small body: sent with its head in one write (one system call where the two would take two)
            writer.write(response_head + await up_reader.readexactly(int(length)))
            await writer.drain()
        elif chunked:
            writer.write(response_head)
            await _copy_chunked(up_reader, send)
        elif length is not None:
            writer.write(response_head)
            await _copy_exact(up_reader, send, int(length))
        else:
            writer.write(response_head)
            while chunk := await up_reader.read(CHUNK):
                await send(chunk)
        try:
            await body
        except (ConnectionError, asyncio.IncompleteReadError):
            return False
        conn.reusable = framed and "close" not in lowered.get("connection", "").lower()
        self._release(conn)
        return keep

    async def _copy_request_body(self, request: _Request, reader: asyncio.StreamReader,
                                 up_writer: asyncio.StreamWriter | None) -> None:
        async def send(data: bytes) -> None:
            if up_writer is not None:
                up_writer.write(data)
                with contextlib.suppress(ConnectionError):
                    await up_writer.drain()

        if "chunked" in (request.get("transfer-encoding") or "").lower():
            await _copy_chunked(reader, send)
            return
        length = int(request.get("content-length") or 0)
        await _copy_exact(reader, send, length)

    async def _discard_body(self, request: _Request, reader: asyncio.StreamReader) -> None:
        if request.wants_upgrade:
            return
        await self._copy_request_body(request, reader, None)


async def _copy_exact(reader: asyncio.StreamReader, send, count: int) -> None:
    while count > 0:
        chunk = await reader.read(min(CHUNK, count))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", count)
        count -= len(chunk)
        await send(chunk)


async def _copy_chunked(reader: asyncio.StreamReader, send) -> None:
    """Forward a chunked body as it is (framing included) up to and including its last chunk and trailers."""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        await send(size_line)
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while True:
                line = await reader.readuntil(b"\r\n")
                await send(line)
                if line == b"\r\n":
                    return
        await _copy_exact(reader, send, size + 2)


async def _tunnel(reader, writer, up_reader, up_writer) -> None:
    """Pipe bytes both ways until either side closes (a WebSocket after its 101)."""

    async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(CHUNK):
                target.write(chunk)
                await target.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                target.close()

    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
