"""Logo and screenshot checks (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundlers/logo.js and screenshots.js).

Logo: required, at most 1024 KB, png/jpg/jpeg/webp/svg whose real type matches the extension,
at least 256×256, aspect 1:1 (±0.01); an svg only gets the byte-size check.
Screenshots (`screenshots/<name>`): unique, exist, real type matches the extension, at least
600×338, aspect 16:9 (±0.05); svg skips the size checks. Every problem is reported at once.
Image types and sizes come from the file headers (`filetype`, `imagesize`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from blocklet_cli.core.bundle.cid import cid_of_file
from blocklet_cli.core.errors import BundleError

LOGO_TYPES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".webp": "webp", ".svg": "svg"}
SCREENSHOT_TYPES = {**LOGO_TYPES, ".gif": "gif"}
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MIN = (256, 256)
SCREENSHOT_MIN = (600, 338)
STUDIO_HINT = 'run "blocklet dev studio" to create a logo and screenshots that fit'


@dataclass
class Screenshot:
    """A checked screenshot: its source and its name in the bundle (CIDv0 + extension)."""

    source: Path
    name: str


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _real_type(path: Path) -> str | None:
    """The image type read from the file's first bytes ('png', 'jpg', 'webp', 'gif', 'svg')."""
    import filetype

    with open(path, "rb") as handle:
        head = handle.read(8192)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.extension
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "svg"
    return None


def _dimensions(path: Path) -> tuple[int, int]:
    import imagesize

    width, height = imagesize.get(str(path))
    return int(width), int(height)


def image_problems(path: Path, label: str, types: dict[str, str], minimum: tuple[int, int],
                   ratio: tuple[int, int], tolerance: float) -> list[tuple[str, str]]:
    """(kind, message) of every problem of one image file: kind is `format` (extension not allowed),
    `type` (the content is not what the extension says), `dimensions` or `aspect`."""
    extension = path.suffix.lower()
    expected = types.get(extension)
    if expected is None:
        return [("format", f"The {label} must be one of {', '.join(sorted(types))}, "
                           f"but got {extension or 'no extension'}.")]
    real = _real_type(path)
    if real != expected:
        return [("type", f"The {label} is not a real {extension[1:]} image (its content is {real or 'unknown'}).")]
    if expected == "svg":
        return []
    width, height = _dimensions(path)
    problems = []
    if width < minimum[0] or height < minimum[1]:
        problems.append(("dimensions", f"The {label} minimum size must be {minimum[0]}x{minimum[1]}, "
                                       f"but got {width}x{height}."))
    if height <= 0 or abs(width / height - ratio[0] / ratio[1]) > tolerance:
        shown = round(ratio[0] * height / width) if width else 0
        problems.append(("aspect", f"The {label} aspect ratio must be approximately {ratio[0]}:{ratio[1]}, "
                                   f"but got {ratio[0]}:{shown} ({width}x{height})."))
    return problems


def logo_problems(root: Path, logo: str | None) -> tuple[Path | None, list[tuple[str, str]]]:
    """The logo's path and (kind, message) of every problem (`missing`, `not-found`, `size`, then the
    kinds of `image_problems`). Raises UnsafePathError for a logo outside the project."""
    from blocklet_cli.core.bundle.select import resolve_inside

    if not logo:
        return None, [("missing", "the logo field is required in blocklet.yml")]
    path = resolve_inside(root, logo, "logo")
    label = f"logo({logo})"
    if not path.is_file():
        return path, [("not-found", f"The {label} file not found.")]
    if path.stat().st_size > LOGO_MAX_BYTES:
        return path, [("size", f"The {label} must be at most 1024 KB, but got {path.stat().st_size // 1024} KB.")]
    return path, image_problems(path, label, LOGO_TYPES, LOGO_MIN, (1, 1), 0.01)


def check_logo(root: Path, logo: str | None) -> Path:
    """Check the logo; return its path. Raises BundleError listing every problem."""
    path, problems = logo_problems(root, logo)
    if path is None:
        raise BundleError(problems[0][1], hint=STUDIO_HINT)
    if problems:
        raise BundleError("the logo does not fit: " + " ".join(message for _, message in problems), hint=STUDIO_HINT,
                          location=str(path))
    return path


def screenshot_problems(root: Path, names: list | None) -> tuple[list[Screenshot], list[tuple[int, str, str]]]:
    """The good screenshots (in `screenshots/`, with their CIDv0 bundle names) and (index, kind, message)
    of every problem: kind `name`, `duplicate`, `not-found`, or one of `image_problems`' kinds."""
    from blocklet_cli.core.bundle.select import resolve_inside

    problems: list[tuple[int, str, str]] = []
    checked: list[Screenshot] = []
    seen: set[str] = set()
    for index, name in enumerate(names or []):
        label = f"{ordinal(index + 1)}[{name}] screenshot"
        if not isinstance(name, str) or not name:
            problems.append((index, "name", f"The {label} name must be a non-empty string."))
            continue
        if name in seen:
            problems.append((index, "duplicate", f"The {label} is listed twice."))
            continue
        seen.add(name)
        path = resolve_inside(root, f"screenshots/{name}", "screenshot")
        if not path.is_file():
            problems.append((index, "not-found", f"The {label} file not found."))
            continue
        found = image_problems(path, label, SCREENSHOT_TYPES, SCREENSHOT_MIN, (16, 9), 0.05)
        if found:
            problems.extend((index, kind, message) for kind, message in found)
            continue
        checked.append(Screenshot(path, cid_of_file(path) + path.suffix))
    return checked, problems


def check_screenshots(root: Path, names: list | None) -> list[Screenshot]:
    """Check the screenshots (in `screenshots/`); return them with their CIDv0 bundle names."""
    checked, problems = screenshot_problems(root, names)
    if problems:
        raise BundleError(f"{len(problems)} screenshot problem(s): " + " ".join(message for _, _, message in problems),
                          hint=STUDIO_HINT)
    return checked
