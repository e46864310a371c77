"""HTTP/1.1 message heads and body framing, as much as the dev gateway needs to forward messages as they are.

Heads are parsed whole (at most MAX_HEAD bytes); bodies are never parsed, only followed: `BodyFraming` counts a
Content-Length body or walks a chunked body's size lines and trailers, so the gateway knows where a message ends
while it forwards the bytes unchanged (RFC 9112 sections 6 and 7.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024  # a request or response head longer than this is refused
MAX_LINE = 4096  # a chunk-size or trailer line
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


@dataclass
class Answer:
    """A response the gateway gives itself (no component involved)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


REASONS = {101: "Switching Protocols", 200: "OK", 307: "Temporary Redirect", 400: "Bad Request",
           404: "Not Found", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 502: "Bad Gateway"}


class BadMessage(Exception):
    """A request (or a component's response) that is not valid HTTP/1.1; `status` is what the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # a header name (RFC 9110 section 5.1)
FIELD_LINES = rb"(?:\r\n" + TOKEN + rb":[^\r\n]*)*"  # a header block: CRLF before each line, no fold
FIELDS = re.compile(FIELD_LINES)
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect")
KEEP_ALIVE = b"\r\nConnection: keep-alive\r\n\r\n"  # the end of a head the gateway sends on
CLOSE = b"\r\nConnection: close\r\n\r\n"


def header_lines(names: tuple[str, ...]) -> re.Pattern[bytes]:
    """Matches a whole header line (with the CRLF before it) of any of `names`, in any letter case."""
    return re.compile(rb"\r\n(?:" + "|".join(map(re.escape, names)).encode() + rb"):[^\r\n]*", re.IGNORECASE)


CONNECTION_LINES = header_lines(("connection", "keep-alive"))  # what a response head loses on its way
# the request headers the gateway reads (found in one pass over the lower-cased block)
_READ = re.compile(rb"\r\n(host|connection|upgrade|transfer-encoding|content-length|expect|x-forwarded-for|"
                   rb"x-forwarded-port|x-forwarded-proto|x-forwarded-host):")
_RESPONSE_READ = re.compile(rb"\r\n(connection|transfer-encoding|content-length):")


def _values(pattern: re.Pattern[bytes], block: bytes, lower: bytes) -> dict[bytes, bytes]:
    """The value of the first line of each name `pattern` finds in the block (lower-case names)."""
    values: dict[bytes, bytes] = {}
    for match in pattern.finditer(lower):
        name = match.group(1)
        if name not in values:
            start = match.end()
            stop = block.find(b"\r\n", start)
            values[name] = block[start:stop if stop >= 0 else len(block)].strip()
    return values


def _lines_named(name: bytes, block: bytes, lower: bytes) -> list[bytes]:
    """The values of every line called `name` (lower-case) in the block."""
    out, key, start = [], b"\r\n" + name + b":", 0
    while (at := lower.find(key, start)) >= 0:
        start = at + len(key)
        stop = block.find(b"\r\n", start)
        out.append(block[start:stop if stop >= 0 else len(block)].strip())
    return out


class HeaderLines(Mapping[str, str]):
    """The headers of a header block by lower-case name (the first of a repeated name), read when first asked."""

    def __init__(self, block: bytes) -> None:
        self.block = block
        self._lookup: dict[str, str] | None = None

    def _read(self) -> dict[str, str]:
        if self._lookup is None:
            lookup: dict[str, str] = {}
            for line in self.block.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                lookup.setdefault(name.lower(), value.strip())
            self._lookup = lookup
        return self._lookup

    def __getitem__(self, name: str) -> str:
        return self._read()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class RequestHead:
    """A request's head: the request line, the header block as it came (CRLF before each line), and the values of
    the headers the gateway reads (every header by name: `HeaderLines(block)`)."""

    __slots__ = ("block", "keep_alive", "method", "path", "target", "values", "version", "wants_upgrade")

    def __init__(self, method: str, target: str, version: str, block: bytes) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.path = target.partition("?")[0]
        self.block = block
        self.values = values = _values(_READ, block, block.lower())
        connection = values.get(b"connection", b"").lower()
        self.wants_upgrade = bool(values.get(b"upgrade")) and b"upgrade" in connection
        self.keep_alive = b"keep-alive" in connection if version == "HTTP/1.0" else b"close" not in connection

    @classmethod
    def simple(cls, method: str, target: str, path: str, block: bytes) -> RequestHead:
        """A request the fast path read (core/dev/fastpath.py): HTTP/1.1, kept alive, no body, no upgrade, none
        of the headers in `values`."""
        head = cls.__new__(cls)
        head.method, head.target, head.version, head.path, head.block = method, target, "HTTP/1.1", path, block
        head.values, head.wants_upgrade, head.keep_alive = {}, False, True
        return head

    def body_framing(self) -> BodyFraming | None:
        """How the request body ends (None: no body); a length that is not one number is refused."""
        values = self.values
        if b"transfer-encoding" not in values and b"content-length" not in values:
            return None
        if b"chunked" in values.get(b"transfer-encoding", b"").lower():
            return BodyFraming(chunked=True)
        lengths = {part.strip() for value in _lines_named(b"content-length", self.block, self.block.lower())
                   for part in value.split(b",")}
        if not lengths:
            return None
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise BadMessage(400, "invalid Content-Length")
        length = int(next(iter(lengths)))
        return BodyFraming(length=length) if length else None


def parse_request(raw: bytes) -> RequestHead:
    """The head of a request (`raw` ends with the empty line); anything but HTTP/1.x in origin form is refused."""
    eol = raw.find(b"\r\n")
    parts = raw[:eol].decode("latin-1").split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadMessage(400, "malformed request line")
    if not parts[1].startswith("/"):
        raise BadMessage(400, "only origin-form request targets are accepted")
    block = raw[eol:-4]
    if not FIELDS.fullmatch(block):
        raise BadMessage(400, "malformed header line")
    return RequestHead(parts[0], parts[1], parts[2], block)


class ResponseHead:
    """A component's response head, read for what the gateway needs: the status, how the body ends, whether the
    component keeps the connection, and the header block to pass on (without Connection and Keep-Alive)."""

    __slots__ = ("block", "chunked", "close", "length", "status", "status_line")

    def __init__(self, raw: bytes) -> None:
        eol = raw.find(b"\r\n")
        self.status_line = status_line = raw[:eol]
        try:
            self.status = int(status_line.split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise BadMessage(502, "malformed status line") from None
        if not status_line.startswith(b"HTTP/1.") or not 100 <= self.status <= 999:
            raise BadMessage(502, "malformed status line")
        block = raw[eol:-4]
        if not FIELDS.fullmatch(block):
            raise BadMessage(502, "malformed header line")
        lower = block.lower()
        values = _values(_RESPONSE_READ, block, lower)
        self.close = b"close" in values.get(b"connection", b"").lower()
        self.chunked = b"chunked" in values.get(b"transfer-encoding", b"").lower()
        self.length: int | None = None
        if b"content-length" in values:
            lengths = set(_lines_named(b"content-length", block, lower))
            if len(lengths) != 1 or not values[b"content-length"].isdigit():
                raise BadMessage(502, "invalid Content-Length")
            self.length = int(values[b"content-length"])
        self.block = CONNECTION_LINES.sub(b"", block) if b"connection" in values or b"\r\nkeep-alive:" in lower \
            else block

    def encode(self, *, keep_alive: bool) -> bytes:
        """The head for the client, with the gateway's own Connection header."""
        return self.status_line + self.block + (KEEP_ALIVE if keep_alive else CLOSE)


class BodyFraming:
    """Where a message body ends, fed the bytes as they come: a Content-Length count, or a chunked body's framing
    followed (size lines, data, trailers) so that the body is forwarded as it is and its end is known."""

    def __init__(self, *, length: int = 0, chunked: bool = False) -> None:
        self.chunked = chunked
        self.remaining = length  # bytes left of the body (length) or of the current chunk's data and CRLF
        self.in_data = False  # chunked: inside a chunk's data
        self.in_trailer = False  # chunked: after the last chunk
        self.line = b""  # chunked: a size or trailer line read in part
        self.done = not chunked and length == 0

    def feed(self, data: bytes) -> int:
        """How many leading bytes of `data` belong to the body (sets `done` at its end)."""
        if not self.chunked:
            take = min(self.remaining, len(data))
            self.remaining -= take
            self.done = self.remaining == 0
            return take
        position, size = 0, len(data)
        while position < size and not self.done:
            if self.in_data:
                take = min(self.remaining, size - position)
                position += take
                self.remaining -= take
                self.in_data = self.remaining > 0
                continue
            end = data.find(b"\n", position)
            if end < 0:
                self.line += data[position:]
                if len(self.line) > MAX_LINE:
                    raise BadMessage(400, "chunked framing line too long")
                return size
            line, self.line = self.line + data[position:end + 1], b""
            position = end + 1
            if self.in_trailer:
                self.done = line.strip() == b""
                continue
            digits = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(digits):
                raise BadMessage(400, "invalid chunk size")
            chunk = int(digits, 16)
            if chunk == 0:
                self.in_trailer = True
            else:
                self.in_data, self.remaining = True, chunk + 2
        return position


def answer_bytes(answer: Answer, *, keep_alive: bool, head_only: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'Unknown')}",
             f"Content-Type: {answer.content_type}", f"Content-Length: {len(answer.body)}",
             "Connection: " + ("keep-alive" if keep_alive else "close")]
    lines += [f"{key}: {value}" for key, value in answer.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else answer.body)
