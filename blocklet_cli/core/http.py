"""The one HTTP client of the project (the only module that imports httpx).

Used by component resolution, publish and deploy. What it does for every caller:

* timeouts: connect `BLOCKLET_HTTP_CONNECT_TIMEOUT` (default 10 s), read/write
  `BLOCKLET_HTTP_TIMEOUT` (default 20 s, the reference's meta timeout: `getBlockletMetaFromUrl`
  in ArcBlock/blocklet-server blocklet/meta/src/util-meta.ts), and an overall deadline for
  each request, retries included, from sending to the last byte of the answer:
  `BLOCKLET_HTTP_DEADLINE` (default 3 x the read timeout; uploads and downloads get more time per
  byte, at `MIN_TRANSFER_RATE`). The deadline bounds every socket operation (a store trickling one
  byte a second is cut off at the deadline, even while sending headers);
* size limits, enforced while streaming and after decompression (`gzip`/`deflate` are decoded here,
  in bounded pieces, so a gzip bomb never inflates in memory): answers read into memory at most
  `MAX_BODY` (8 MiB, `max_bytes=` per call), downloads to a file at most the declared size and
  `BLOCKLET_HTTP_MAX_DOWNLOAD` (default 1 GiB);
* retries with exponential backoff (`BLOCKLET_HTTP_RETRIES`, default 2) for idempotent requests
  (GET, HEAD, PUT, DELETE, OPTIONS) on connection failures and on HTTP 429/502/503/504 (honouring
  `Retry-After` up to 5 s); never for POST, never on read timeouts (a slow remote stays slow);
* proxies from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, httpx
  `trust_env`) and a custom CA bundle from `BLOCKLET_CA_BUNDLE`, `REQUESTS_CA_BUNDLE` or
  `SSL_CERT_FILE` (first one set; a file or a folder of certificates);
* a `User-Agent` naming our tool and version (`blocklet-cli/<version> (python-httpx)`);
* successful GET/HEAD answers are cached for the life of the client (one command run), and a
  request already running for the same URL (another thread) is joined instead of sent twice;
* `file://` URLs are read from disk by `get`/`get_json`/`head`, so callers treat every source alike;
* every failure becomes a one-line `NetworkError` (not reachable, timed out, TLS, proxy) or
  `RemoteError` (HTTP status >= 400, body that is not JSON), carrying `.status` when there is one.

API (small on purpose):

    with http.client(timeout=5) as c:          # one client per command run
        data = c.get_json(url)                 # parsed JSON (any type), RemoteError if not JSON
        res = c.head(url)                      # Response: status, headers (lower-case keys), url
        res = c.get(url)                       # Response with .content / .text / .json()
        res = c.request("POST", url, json={...}, headers={...})   # anything else
        res = c.post_multipart(url, fields={"source": "CLI"},
                               files={"blocklet-tarball": ("a.tgz", path, "application/x-gzip")},
                               task=reporter.task("Uploading", unit="bytes"))  # streams from disk
        c.download(url, path, size=meta["dist"]["size"])   # streamed to a file, size-limited

`excerpt(text)` makes remote text (an error body, a reason phrase) one short line for a message.

`client()` arguments: `timeout`, `connect_timeout`, `deadline`, `retries`, `headers` (added to every
request), `cache` (default True). Module-level `get_json(url)` / `head(url)` open a client for one call.
"""

from __future__ import annotations

import contextlib
import mimetypes
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from blocklet_cli import __version__
from blocklet_cli.core.errors import NetworkError, RemoteError, UsageError
from blocklet_cli.core.report import Task
from blocklet_cli.core.settings import BY_NAME, resolve
from blocklet_cli.core.store_address import file_url_path as file_url_path  # re-exported

USER_AGENT = f"blocklet-cli/{__version__} (python-httpx)"
DEFAULT_TIMEOUT = float(BY_NAME["httpTimeout"].default or 20)
BACKOFF_BASE = 0.1  # seconds; attempt n waits BACKOFF_BASE * 2**n
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEADLINE_FACTOR = 3  # default deadline: this many read timeouts
MIN_TRANSFER_RATE = 64 * 1024  # bytes/s an upload or download is given on top of the deadline
MAX_BODY = 8 << 20  # answers held in memory (metadata, API answers, error bodies)
DEFAULT_MAX_DOWNLOAD = 1 << 30
CHUNK = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # what `_Decoder` decodes (bounded); nothing else is accepted



@dataclass
class Response:
    """A finished HTTP answer (the body is read)."""

    method: str
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case (`application/json`)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON (depth-limited, `safejson`); RemoteError when it is not."""
        from blocklet_cli.core.safejson import loads

        try:
            return loads(self.content)
        except ValueError as exc:
            raise RemoteError(f"{self.method} {self.url}: the answer is not valid JSON ({excerpt(str(exc), 120)})",
                              status=self.status) from None


def _float_setting(setting: str) -> float:
    """A positive number of seconds from the settings table (environment, else default)."""
    found = resolve(setting)
    raw, name = str(found.value), str(found.source).removeprefix("env:")
    try:
        value = float(raw)
    except ValueError as exc:
        raise UsageError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise UsageError(f"{name} must be positive, got {raw!r}")
    return value


def default_timeout() -> float:
    """Read timeout in seconds (`BLOCKLET_HTTP_TIMEOUT`, default 20)."""
    return _float_setting("httpTimeout")


def default_deadline(timeout: float | None = None) -> float:
    """Overall deadline of one request in seconds (`BLOCKLET_HTTP_DEADLINE`, default 3 x the read timeout)."""
    read = timeout if timeout is not None else default_timeout()
    if resolve("httpDeadline", use_default=False).source is None:
        return DEADLINE_FACTOR * read
    return _float_setting("httpDeadline")


def max_download() -> int:
    """Largest download in bytes (`BLOCKLET_HTTP_MAX_DOWNLOAD`: bytes, or with a K/M/G suffix; default 1 GiB)."""
    raw = resolve("httpMaxDownload", use_default=False).value
    if not raw:
        return DEFAULT_MAX_DOWNLOAD
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    number, unit = (raw[:-1], units[raw[-1].upper()]) if raw[-1].upper() in units else (raw, 1)
    if not number.isdigit() or int(number) <= 0:
        raise UsageError(f"BLOCKLET_HTTP_MAX_DOWNLOAD must be a size in bytes (e.g. 500M, 2G), got {raw!r}")
    return int(number) * unit


def excerpt(text: Any, limit: int = 200) -> str:
    """Remote text made fit for a one-line message: whitespace runs collapsed, control characters
    dropped, at most `limit` characters."""
    line = " ".join(str(text).split())
    line = "".join(char for char in line if char.isprintable())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def default_retries() -> int:
    """Retries of idempotent requests (`BLOCKLET_HTTP_RETRIES`, default 2)."""
    found = resolve("httpRetries")
    raw = str(found.value)
    if not raw.isdigit():
        raise UsageError(f"{str(found.source).removeprefix('env:')} must be a whole number, got {raw!r}")
    return int(raw)


def ssl_verify() -> Any:
    """`True` (system/certifi roots) or an SSL context built from the first CA variable set."""
    found = resolve("caBundle")
    if found.value is not None:
        value, name = found.value, str(found.source).removeprefix("env:")
        import ssl

        path = Path(value).expanduser()
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        if path.is_file():
            try:
                return ssl.create_default_context(cafile=str(path))
            except ssl.SSLError as exc:
                raise UsageError(f"{name}={value} is not a valid CA bundle: {exc}") from exc
        raise UsageError(f"{name}={value}: the CA bundle does not exist")
    return True


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class HttpClient:
    """A configured client (see the module docstring). Thread-safe; use one per command run."""

    def __init__(self, *, timeout: float | None = None, connect_timeout: float | None = None,
                 deadline: float | None = None, retries: int | None = None,
                 headers: Mapping[str, str] | None = None, cache: bool = True) -> None:
        import httpx

        self.timeout = timeout if timeout is not None else default_timeout()
        self.deadline = deadline if deadline is not None else default_deadline(self.timeout)
        env_connect = _float_setting("httpConnectTimeout")
        self.connect_timeout = connect_timeout if connect_timeout is not None else min(env_connect, self.timeout)
        self.retries = retries if retries is not None else default_retries()
        self._cache_enabled = cache
        self._cache: dict[tuple, Response] = {}
        self._inflight: dict[tuple, Future] = {}
        self._lock = threading.Lock()
        self._httpx = httpx
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.8",
                     "Accept-Encoding": ACCEPT_ENCODING, **(headers or {})},
            verify=ssl_verify(),
            trust_env=True,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        _bound_by_deadline(self._client)

    # -- public API -------------------------------------------------------------------------
    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """GET `url` (or read a `file://` URL); RemoteError on HTTP status >= 400."""
        return self._cached("GET", url, headers)

    def get_json(self, url: str, *, headers: Mapping[str, str] | None = None) -> Any:
        """GET `url` and parse the body as JSON."""
        return self.get(url, headers=headers).json()

    def head(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """HEAD `url` (a `file://` URL: 200 with a guessed content type, or 404); RemoteError on >= 400."""
        return self._cached("HEAD", url, headers)

    def request(self, method: str, url: str, *, raise_for_status: bool = True, max_bytes: int = MAX_BODY,
                deadline: float | None = None, **kwargs: Any) -> Response:
        """Any request; `kwargs` go to httpx (`json`, `data`, `content`, `headers`, `params`, `files`)."""
        return self._send(method.upper(), url, raise_for_status=raise_for_status, max_bytes=max_bytes,
                          deadline=deadline, **kwargs)

    def download(self, url: str, target: Path, *, size: int | None = None) -> int:
        """GET `url` into the file `target` (written atomically), streaming: at most the declared `size`
        (when given) and `BLOCKLET_HTTP_MAX_DOWNLOAD` bytes. Returns the number of bytes written."""
        from blocklet_cli.core.fsutil import atomic_path

        ceiling = max_download()
        limit = min(size, ceiling) if size is not None else ceiling
        if size is not None and size > ceiling:
            raise RemoteError(f"GET {url}: declared size {size} bytes is more than BLOCKLET_HTTP_MAX_DOWNLOAD "
                              f"({ceiling} bytes)")
        if url.startswith("file:"):
            content = _read_file_url("GET", url, limit).content
            with atomic_path(Path(target)) as tmp:
                Path(tmp).write_bytes(content)
            return len(content)
        with atomic_path(Path(target)) as tmp, open(tmp, "wb") as handle:
            response = self._send("GET", url, max_bytes=limit, sink=handle.write,
                                  deadline=self.deadline + limit / MIN_TRANSFER_RATE)
            written = handle.tell()
        if size is not None and written != size:
            raise RemoteError(f"GET {url}: got {written} bytes, the declared size is {size}", status=response.status)
        return written

    def post_multipart(self, url: str, *, fields: Mapping[str, str] | None = None,
                       files: Mapping[str, tuple[str, Path | bytes, str]] | None = None,
                       headers: Mapping[str, str] | None = None, task: Task | None = None,
                       raise_for_status: bool = True) -> Response:
        """POST multipart/form-data; file parts given as (filename, path or bytes, content type) are
        streamed from disk, and `task` (blocklet_cli.core.report) advances as file bytes go out."""
        with contextlib.ExitStack() as stack:
            parts: dict[str, tuple[str, Any, str]] = {}
            sizes = {name: (len(body) if isinstance(body, bytes) else Path(body).stat().st_size)
                     for name, (_, body, _) in (files or {}).items()}
            counter = _Counter(sum(sizes.values()), task)
            for name, (filename, body, content_type) in (files or {}).items():
                if isinstance(body, bytes):
                    import io

                    handle: Any = io.BytesIO(body)
                else:
                    try:
                        handle = stack.enter_context(open(body, "rb"))
                    except OSError as exc:
                        raise UsageError(f"cannot read {body}: {exc.strerror}") from exc
                parts[name] = (filename, _ProgressReader(handle, counter), content_type)
            return self._send("POST", url, data=dict(fields or {}), files=parts, headers=headers,
                              raise_for_status=raise_for_status,
                              deadline=self.deadline + counter.total / MIN_TRANSFER_RATE)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------
    def _cached(self, method: str, url: str, headers: Mapping[str, str] | None) -> Response:
        """Successful answers are kept; a request already running for the same key is joined, not repeated."""
        if not self._cache_enabled:
            return self._uncached(method, url, headers)
        key = (method, url, tuple(sorted((headers or {}).items())))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            running = self._inflight.get(key)
            owner = running is None
            if running is None:
                running = self._inflight[key] = Future()
        if not owner:
            return running.result()
        try:
            response = self._uncached(method, url, headers)
        except BaseException as exc:
            with self._lock:
                self._inflight.pop(key, None)
            running.set_exception(exc)
            raise
        with self._lock:
            self._cache[key] = response
            self._inflight.pop(key, None)
        running.set_result(response)
        return response

    def _uncached(self, method: str, url: str, headers: Mapping[str, str] | None) -> Response:
        if url.startswith("file:"):
            return _read_file_url(method, url, MAX_BODY)
        return self._send(method, url, headers=headers)

    def _send(self, method: str, url: str, *, raise_for_status: bool = True, max_bytes: int = MAX_BODY,
              deadline: float | None = None, sink: Callable[[bytes], Any] | None = None, **kwargs: Any) -> Response:
        httpx = self._httpx
        budget = deadline if deadline is not None else self.deadline
        ends = time.monotonic() + budget
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            _DEADLINE.at = ends
            try:
                raw = self._client.send(self._client.build_request(method, url, **kwargs), stream=True)
                try:
                    if raw.status_code in RETRY_STATUSES and not last:
                        _sleep_backoff(attempt, raw.headers.get("retry-after"), ends)
                        continue
                    content = b"" if method == "HEAD" else _read_body(raw, f"{method} {url}", max_bytes, ends, sink)
                finally:
                    raw.close()
            except httpx.TimeoutException as exc:
                if time.monotonic() >= ends - 0.05:
                    raise NetworkError(f"{method} {url}: no complete answer from {host_of(url)} within {budget:g}s",
                                       hint="a slow or stalled remote; BLOCKLET_HTTP_DEADLINE sets the limit "
                                            "(seconds)") from None
                phase = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
                limit = self.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else self.timeout
                if isinstance(exc, httpx.ConnectTimeout) and not last:
                    _sleep_backoff(attempt, None, ends)
                    continue
                raise NetworkError(f"{method} {url}: timed out after {limit:g}s {phase} {host_of(url)}") from exc
            except httpx.ProxyError as exc:
                raise NetworkError(f"{method} {url}: proxy error: {_one_line(exc)}") from exc
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if not last and sink is None:
                    _sleep_backoff(attempt, None, ends)
                    continue
                raise NetworkError(f"{method} {url}: cannot reach {host_of(url)}: {_reason(exc)}") from exc
            except httpx.UnsupportedProtocol as exc:
                raise UsageError(f"unsupported URL {url!r}: use http://, https:// or file://") from exc
            except httpx.HTTPError as exc:
                raise NetworkError(f"{method} {url}: {_one_line(exc) or type(exc).__name__}") from exc
            finally:
                _DEADLINE.at = None
            response = Response(method, str(raw.url), raw.status_code,
                                {k.lower(): v for k, v in raw.headers.items()}, content)
            if raise_for_status and response.status >= 400:
                reason = excerpt(raw.reason_phrase or "", 80)
                raise RemoteError(f"{method} {url}: HTTP {response.status} {reason}".rstrip(),
                                  status=response.status)
            return response
        raise AssertionError("unreachable")  # pragma: no cover


class _Deadline(threading.local):
    at: float | None = None


_DEADLINE = _Deadline()  # the deadline of the request running on this thread (monotonic seconds)


def _read_body(raw: Any, what: str, limit: int, ends: float, sink: Callable[[bytes], Any] | None) -> bytes:
    """The decoded body, at most `limit` bytes (checked while streaming and after decompression);
    with `sink`, the pieces go there instead of into memory."""
    encoding = raw.headers.get("content-encoding", "").strip().lower()
    declared = raw.headers.get("content-length", "").strip()
    if not encoding and declared.isdigit() and int(declared) > limit:
        raise RemoteError(f"{what}: the answer is {int(declared)} bytes, more than the {limit} allowed",
                          status=raw.status_code)
    decoder = _Decoder(encoding, what, raw.status_code)
    pieces: list[bytes] = []
    total = 0
    for chunk in raw.iter_raw(CHUNK):
        for piece in decoder.feed(chunk, limit - total + 1):
            total += len(piece)
            if total > limit:
                raise RemoteError(f"{what}: the answer is more than the {limit} bytes allowed"
                                  f"{' (after decompression)' if encoding else ''}", status=raw.status_code)
            if sink is not None:
                sink(piece)
            else:
                pieces.append(piece)
        if time.monotonic() > ends:
            import httpx

            raise httpx.ReadTimeout("deadline")
    decoder.finish()
    return b"".join(pieces)


class _Decoder:
    """gzip / deflate decoding in pieces of at most `CHUNK` bytes (never more than asked for)."""

    def __init__(self, encoding: str, what: str, status: int) -> None:
        import zlib

        self.what, self.status = what, status
        codings = [c.strip() for c in encoding.split(",") if c.strip() and c.strip() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise RemoteError(f"{what}: unsupported content encoding {excerpt(encoding, 40)!r}", status=status)
        self.coding = codings[0] if codings else None
        self.zlib = zlib
        self.obj = None
        if self.coding in ("gzip", "x-gzip"):
            self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self.obj = zlib.decompressobj(zlib.MAX_WBITS)
            self.raw_deflate = False

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        if self.obj is None:
            yield data
            return
        try:
            while data:
                piece = self.obj.decompress(data, min(CHUNK, max(room, 1)))
                data = self.obj.unconsumed_tail
                if self.obj.eof and self.obj.unused_data:
                    data = self.obj.unused_data + data  # a next gzip member
                    self.obj = self.zlib.decompressobj(16 + self.zlib.MAX_WBITS)
                if piece:
                    room -= len(piece)
                    yield piece
                elif not data:
                    break
        except self.zlib.error as exc:
            if self.coding == "deflate" and not self.raw_deflate:  # some servers send raw deflate
                self.raw_deflate = True
                self.obj = self.zlib.decompressobj(-self.zlib.MAX_WBITS)
                yield from self.feed(data, room)
                return
            raise RemoteError(f"{self.what}: the {self.coding} answer is corrupt ({exc})", status=self.status) from None

    def finish(self) -> None:
        if self.obj is not None and not self.obj.eof and self.coding != "deflate":
            raise RemoteError(f"{self.what}: the {self.coding} answer is cut short", status=self.status)


def _remaining(timeout: float | None) -> float | None:
    """`timeout` shortened to what is left of this thread's request deadline; ReadTimeout when none is left."""
    ends = _DEADLINE.at
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left <= 0:
        import httpcore

        raise httpcore.ReadTimeout("deadline")
    return left if timeout is None else min(timeout, left)


def _bound_by_deadline(client: Any) -> None:
    """Make every socket operation of `client`'s connection pools (direct and proxied) honour the
    deadline of the request running on the calling thread."""
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if pool is not None and backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)


class _DeadlineStream:
    """An httpcore network stream whose reads and writes wait at most until the deadline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """An httpcore network backend handing out `_DeadlineStream`s."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> _DeadlineStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _remaining(timeout), local_address,
                                                       socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _remaining(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Counter:
    def __init__(self, total: int, task: Task | None) -> None:
        self.total = total
        self.sent = 0
        self.task = task

    def add(self, amount: int) -> None:
        self.sent += amount
        if self.task is not None and amount:
            self.task.advance(amount, total=self.total)


class _ProgressReader:
    """A binary file wrapper counting the bytes httpx reads while streaming a multipart body."""

    def __init__(self, handle: Any, counter: _Counter) -> None:
        self._handle = handle
        self._counter = counter

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._counter.add(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def fileno(self) -> int:
        return self._handle.fileno()


def _reason(exc: BaseException) -> str:
    text = _one_line(str(exc))
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return "host not found"
    if "certificate" in lowered:
        return f"TLS certificate not trusted ({text}); set BLOCKLET_CA_BUNDLE to your CA bundle"
    return text or type(exc).__name__


def _sleep_backoff(attempt: int, retry_after: str | None = None, ends: float | None = None) -> None:
    delay = BACKOFF_BASE * (2 ** attempt)
    if retry_after:
        with contextlib.suppress(ValueError):
            delay = max(delay, min(float(retry_after), 5.0))
    if ends is not None:
        delay = max(0.0, min(delay, ends - time.monotonic()))
    time.sleep(delay)


def _read_file_url(method: str, url: str, limit: int = MAX_BODY) -> Response:
    path = file_url_path(url)
    if not path.is_file():
        raise RemoteError(f"{method} {url}: {path} does not exist", status=404)
    if method == "GET" and path.stat().st_size > limit:
        raise RemoteError(f"{method} {url}: {path} is {path.stat().st_size} bytes, more than the {limit} allowed",
                          status=413)
    content_type = "application/json" if path.suffix == ".json" else (
        "application/octet-stream" if path.suffix in (".tgz", ".gz", ".tar") else
        (mimetypes.guess_type(path.name)[0] or "application/octet-stream"))
    headers = {"content-type": content_type, "content-length": str(path.stat().st_size)}
    try:
        content = path.read_bytes() if method == "GET" else b""
    except OSError as exc:
        raise RemoteError(f"{method} {url}: cannot read {path}: {exc.strerror}", status=403) from exc
    return Response(method, url, 200, headers, content)


@contextlib.contextmanager
def client(**options: Any) -> Iterator[HttpClient]:
    """A client for one command run (options: timeout, connect_timeout, deadline, retries, headers, cache)."""
    instance = HttpClient(**options)
    try:
        yield instance
    finally:
        instance.close()


def get_json(url: str, **options: Any) -> Any:
    """One-shot GET of a JSON document."""
    with client(**options) as c:
        return c.get_json(url)


def head(url: str, **options: Any) -> Response:
    """One-shot HEAD."""
    with client(**options) as c:
        return c.head(url)
