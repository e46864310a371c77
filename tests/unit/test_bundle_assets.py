"""Logo and screenshot checks (assets.py), on real image files."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklet_cli.core.bundle.assets import check_logo, check_screenshots, ordinal
from blocklet_cli.core.bundle.cid import cid_of_file
from blocklet_cli.core.errors import BundleError, UnsafePathError
from tests.images import SVG, jpeg, png


def write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_good_logos(tmp_path: Path) -> None:
    written = write(tmp_path, "logo.png", png(256, 256))
    assert check_logo(tmp_path, "logo.png") == written
    write(tmp_path, "logo.jpg", jpeg(512, 512))
    assert check_logo(tmp_path, "logo.jpg").name == "logo.jpg"
    write(tmp_path, "logo.svg", SVG)  # svg: no pixel checks
    assert check_logo(tmp_path, "logo.svg").name == "logo.svg"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("logo.png", png(200, 100), "minimum size must be 256x256, but got 200x100"),
    ("logo.png", png(300, 256), "aspect ratio must be approximately 1:1"),
    ("logo.png", jpeg(256, 256), "is not a real png image (its content is jpg)"),
    ("logo.gif", b"GIF89a" + b"\x00" * 20, "must be one of"),
    ("logo.png", png(256, 256) + b"\x00" * (1024 * 1024), "must be at most 1024 KB"),
])
def test_bad_logos(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    write(tmp_path, name, data)
    with pytest.raises(BundleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_logo(tmp_path, name)


def test_logo_missing_or_unset_or_outside(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"logo field is required"):
        check_logo(tmp_path, None)
    with pytest.raises(BundleError, match=r"logo\(nope.png\) file not found"):
        check_logo(tmp_path, "nope.png")
    with pytest.raises(UnsafePathError):
        check_logo(tmp_path, "../logo.png")


def test_screenshots_get_cid_names_in_order(tmp_path: Path) -> None:
    write(tmp_path, "screenshots/b.png", png(640, 360))
    write(tmp_path, "screenshots/a.jpeg", jpeg(1280, 720))
    write(tmp_path, "screenshots/c.svg", SVG)
    shots = check_screenshots(tmp_path, ["b.png", "a.jpeg", "c.svg"])
    assert [shot.name for shot in shots] == [cid_of_file(tmp_path / "screenshots" / n) + Path(n).suffix
                                             for n in ("b.png", "a.jpeg", "c.svg")]
    assert check_screenshots(tmp_path, []) == []


def test_every_screenshot_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "screenshots/ok.png", png(640, 360))
    write(tmp_path, "screenshots/square.png", png(500, 500))
    write(tmp_path, "screenshots/fake.png", b"not an image at all")
    with pytest.raises(BundleError) as caught:
        check_screenshots(tmp_path, ["ok.png", "shot2.png", "square.png", "fake.png", "ok.png"])
    message = caught.value.message
    assert "The 2nd[shot2.png] screenshot file not found." in message
    assert "The 3rd[square.png] screenshot minimum size must be 600x338, but got 500x500." in message
    assert "aspect ratio must be approximately 16:9, but got 16:16 (500x500)." in message
    assert "The 4th[fake.png] screenshot is not a real png image" in message
    assert "The 5th[ok.png] screenshot is listed twice." in message


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
