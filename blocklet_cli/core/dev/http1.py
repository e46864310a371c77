"""HTTP/1.1 message heads and body framing, as much as the dev gateway needs to forward messages as they are.

Heads are parsed whole (at most MAX_HEAD bytes); bodies are never parsed, only followed: `BodyFraming` counts a
Content-Length body or walks a chunked body's size lines and trailers, so the gateway knows where a message ends
while it forwards the bytes unchanged (RFC 9112 sections 6 and 7.1).
"""

from __future__ import annotations

import re
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


def parse_head(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The first line and the header fields of a head (ending in an empty line)."""
    lines = raw.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        key, colon, value = line.partition(":")
        if not colon or line[0] in " \t":
            raise BadMessage(400, "malformed header line")
        headers.append((key.strip(), value.strip()))
    return lines[0], headers


class RequestHead:
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
        return bool(self.get("upgrade")) and "upgrade" in (self.get("connection") or "").lower()

    @property
    def keep_alive(self) -> bool:
        connection = (self.get("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def body_framing(self) -> BodyFraming | None:
        """How the request body ends (None: no body); a length that is not one number is refused."""
        if "chunked" in (self.get("transfer-encoding") or "").lower():
            return BodyFraming(chunked=True)
        lengths = {value.strip() for key, value in self.headers if key.lower() == "content-length"}
        lengths = {part.strip() for value in lengths for part in value.split(",")}
        if not lengths:
            return None
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            raise BadMessage(400, "invalid Content-Length")
        length = int(next(iter(lengths)))
        return BodyFraming(length=length) if length else None


def parse_request(raw: bytes) -> RequestHead:
    request_line, headers = parse_head(raw)
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadMessage(400, "malformed request line")
    if not parts[1].startswith("/"):
        raise BadMessage(400, "only origin-form request targets are accepted")
    return RequestHead(parts[0], parts[1], parts[2], headers)


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
