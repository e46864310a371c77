"""Real image bytes for tests: a minimal RGB PNG and a JPEG header with its size (enough for type and
size detection, as the bundler and the store read them)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png(width: int, height: int) -> bytes:
    """A real, minimal RGB PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    """A JPEG header with a SOF0 segment (enough for type and size detection)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def store_ready(static_site: Path) -> Path:
    """A copy of the static-site fixture as a store takes it: a third screenshot (a store wants 3 to 5, and
    `publish` to an HTTP store runs `blocklet check` first; the fixture keeps the two the reference was run on)."""
    (static_site / "screenshots" / "third.png").write_bytes(png(640, 360))
    meta = static_site / "blocklet.yml"
    meta.write_text(meta.read_text().replace("  - schedule.png\n", "  - schedule.png\n  - third.png\n"))
    return static_site
