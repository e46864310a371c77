"""Write the placeholder screenshots `blocklet init` copies (templates/common/screenshots/screenshot-{1,2,3}.png):
three 1280x720 (16:9) PNGs of a page sketch in the placeholder logo's blue, each laid out differently, so that a
new project meets the store's 3-screenshot minimum; `blocklet check` warns until they are replaced.

Run: python scripts/gen_placeholder_screenshots.py (deterministic: the same bytes every time)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 1280, 720
BACKGROUND, BAR, BLOCK, ACCENT = (245, 247, 251), (59, 91, 219), (221, 227, 240), (112, 72, 232)
# (x, y, width, height, colour) rectangles over the page, per screenshot
LAYOUTS = [
    [(120, 160, 1040, 200, ACCENT), (120, 400, 320, 200, BLOCK), (480, 400, 320, 200, BLOCK),
     (840, 400, 320, 200, BLOCK)],
    [(120, 140, 300, 520, BLOCK), (460, 140, 700, 60, ACCENT), (460, 230, 700, 40, BLOCK),
     (460, 300, 700, 40, BLOCK), (460, 370, 520, 40, BLOCK)],
    [(120, 140, 1040, 80, BLOCK), (120, 250, 1040, 80, BLOCK), (120, 360, 1040, 80, BLOCK),
     (120, 470, 1040, 80, BLOCK), (980, 590, 180, 60, ACCENT)],
]


def _png(pixels: list[bytearray]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def screenshot(layout: list[tuple[int, int, int, int, tuple[int, int, int]]]) -> bytes:
    rows = [bytearray(bytes(BACKGROUND) * WIDTH) for _ in range(HEIGHT)]
    for x, y, width, height, colour in [(0, 0, WIDTH, 80, BAR), (40, 20, 40, 40, BACKGROUND), *layout]:
        for row in rows[y:y + height]:
            row[3 * x:3 * (x + width)] = bytes(colour) * width
    return _png(rows)


def main() -> None:
    folder = Path(__file__).resolve().parent.parent / "templates" / "common" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for number, layout in enumerate(LAYOUTS, start=1):
        (folder / f"screenshot-{number}.png").write_bytes(screenshot(layout))


if __name__ == "__main__":
    main()
