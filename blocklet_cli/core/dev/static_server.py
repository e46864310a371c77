"""A small HTTP server for `static` blocklets in `blocklet dev` (what the server's static engine does).

Reference: ArcBlock/blocklet-server core/blocklet-services/api/middlewares/serve-static-engine.js (Blocklet
Server serves a `static` blocklet from its `main` folder). Serves GET/HEAD from one root folder: index files for
folders, content types by extension, and never anything outside the root — `..` segments (also percent-encoded),
backslashes, NUL bytes and symlinks that resolve outside the root are refused with 403/404. Dotfiles and
everything `blocklet bundle` never ships (`core/bundle/exclusions.py`: `.env`, keys, `.git/`, ...) answer 404
as if absent; a Host header that does not name this server is refused (DNS rebinding); files are streamed.

Never prints: each request is reported through the `on_request(method, path, status)` callback.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from blocklet_cli.core.errors import NotFoundError

INDEX_FILES = ("index.html", "index.htm")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
               ".svg": "image/svg+xml", ".wasm": "application/wasm", ".webp": "image/webp",
               ".woff2": "font/woff2", ".map": "application/json", ".md": "text/markdown"}
OnRequest = Callable[[str, str, int], None]
CHUNK = 1 << 16
ALLOWED_DOT_FOLDERS = (".well-known",)  # RFC 8615: meant to be served
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class Refused(Exception):
    """A request path that must not be served (status says how to answer)."""

    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status.phrase)
        self.status = status


def resolve_request_path(root: Path, url_path: str) -> Path:
    """The file or folder under `root` for a URL path, or Refused(403/404).

    `root` must be absolute and resolved. Rejects encoded or plain `..`, backslashes, NUL, and any
    path whose real location (symlinks followed) is outside `root`.
    """
    try:
        path = unquote(urlsplit(url_path).path, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(HTTPStatus.BAD_REQUEST) from None
    if "\x00" in path or "\\" in path:
        raise Refused(HTTPStatus.BAD_REQUEST)
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if any(segment == ".." for segment in segments):
        raise Refused(HTTPStatus.FORBIDDEN)
    candidate = root.joinpath(*segments)
    try:
        real = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise Refused(HTTPStatus.NOT_FOUND) from None
    except (OSError, RuntimeError):  # symlink loops, permission problems
        raise Refused(HTTPStatus.FORBIDDEN) from None
    if not is_inside(root, real):
        raise Refused(HTTPStatus.FORBIDDEN)
    check_servable(root, real, segments)
    return real


def check_servable(root: Path, real: Path, segments: list[str] | None = None) -> None:
    """Refused(404) for a dotfile or anything in the never-bundled list, by the requested path and by
    where it really is: what `blocklet bundle` would never ship, `blocklet dev` does not serve either."""
    from blocklet_cli.core.bundle import exclusions

    for parts in (segments or [], list(real.relative_to(root).parts) if real != root else []):
        if any(part.startswith(".") and part not in ALLOWED_DOT_FOLDERS for part in parts):
            raise Refused(HTTPStatus.NOT_FOUND)
        if parts and exclusions.reason("/".join(parts), real if real.is_file() else None):
            raise Refused(HTTPStatus.NOT_FOUND)


def host_allowed(host_header: str | None, port: int, extra: tuple[str, ...] = ()) -> bool:
    """True when the Host header names this server (127.0.0.1, localhost or [::1] with its port): a page
    on another site whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name."""
    if host_header is None:
        return True  # not a browser (HTTP/1.0 tools): rebinding needs a browser, which always sends Host
    host = host_header.strip().lower()
    names = {*LOCAL_HOSTS, *extra}
    return any(host in (name, f"{name}:{port}") for name in names)


def content_type(path: Path) -> str:
    """The Content-Type of a file by its extension (text types with `charset=utf-8`)."""
    kind = EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith(TEXT_TYPES):
        kind += "; charset=utf-8"
    return kind


def _handler(root: Path, on_request: OnRequest | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "blocklet-dev"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def _serve(self) -> None:
            port = int(self.server.server_address[1])  # type: ignore[index]  # an (host, port) address
            if not host_allowed(self.headers.get("Host"), port):
                self._answer(HTTPStatus.FORBIDDEN, b"403 Forbidden: unknown Host\n")
                return
            try:
                target = resolve_request_path(root, self.path)
                if target.is_dir():
                    url_path = urlsplit(self.path).path
                    if not url_path.endswith("/"):
                        self._answer(HTTPStatus.MOVED_PERMANENTLY, headers={"Location": url_path + "/"})
                        return
                    target = self._index(target)
                if not target.is_file():
                    raise Refused(HTTPStatus.NOT_FOUND)
                handle = open(target, "rb")  # noqa: SIM115 (closed below, after streaming)
            except Refused as refused:
                self._answer(refused.status)
                return
            except OSError:
                self._answer(HTTPStatus.FORBIDDEN)
                return
            with handle:
                size = os.fstat(handle.fileno()).st_size
                self._answer(HTTPStatus.OK, b"", content_type(target), length=size, body=handle)

        def handle(self) -> None:
            try:
                super().handle()
            except (ConnectionError, TimeoutError):  # the client went away: nothing to answer, nothing to report
                self.close_connection = True

        def _index(self, folder: Path) -> Path:
            for name in INDEX_FILES:
                candidate = folder / name
                if candidate.is_file():
                    if not is_inside(root, candidate):
                        raise Refused(HTTPStatus.FORBIDDEN)
                    check_servable(root, candidate.resolve())
                    return candidate
            raise Refused(HTTPStatus.NOT_FOUND)

        def _answer(self, status: HTTPStatus, data: bytes | None = None, kind: str = "text/plain; charset=utf-8",
                    headers: dict[str, str] | None = None, length: int | None = None, body=None) -> None:
            if data is None:
                data = f"{status.value} {status.phrase}\n".encode()
            length = len(data) if length is None else length
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                if body is not None:  # a file: streamed in chunks, never read whole
                    shutil.copyfileobj(body, self.wfile, CHUNK)
                else:
                    self.wfile.write(data)
            if on_request is not None:
                on_request(self.command, self.path, int(status))

        def log_message(self, format: str, *args) -> None:
            return None

    return Handler


@dataclass
class StaticServer:
    """A running static server (in a background thread) on 127.0.0.1:port."""

    root: Path
    port: int
    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve_static(root: Path, port: int = 0, *, host: str = "127.0.0.1",
                 on_request: OnRequest | None = None) -> StaticServer:
    """Start serving `root` on host:port (0 = any free port) in a background thread."""
    if not root.is_dir():
        raise NotFoundError(f"the static folder {root} does not exist (`main` in blocklet.yml)")
    root = root.resolve()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def handle_error(self, request, client_address) -> None:  # never a traceback on the terminal
            return None

    httpd = Server((host, port), _handler(root, on_request))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="blocklet-static")
    thread.start()
    return StaticServer(root, httpd.server_address[1], httpd, thread)


def is_inside(root: Path, path: Path) -> bool:
    """True when `path` (resolved) is `root` or below it."""
    real = Path(os.path.realpath(path))
    return real == root or root in real.parents
