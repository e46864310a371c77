"""Markdown media links and CHANGELOG headings (markdown.py, changelog.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.changelog import check_changelog, find_changelog, find_workspace_root
from blocklet_cli.core.bundle.markdown import markdown_outputs, rewrite_markdown
from blocklet_cli.core.errors import BundleError, NotFoundError, UnsafePathError

DOC = """Title
=====

Some __bold__ text, kept   exactly.
![map](./images/map.png "The map") and [notes](docs/notes.txt#part) and [site](https://example.com/x.png)
[ref]: ./images/map.png
<img src="/images/logo.png" width="10"/> <a href='#top'>top</a>

```
![in code](./missing.png)
```

`![span](./missing.png)` after
"""


def media(data: bytes, ext: str) -> str:
    digest = hashlib.md5(data).hexdigest()
    return f"media/{digest[:2]}/{digest[2:]}{ext}"


def project(tmp_path: Path) -> Path:
    (tmp_path / "images").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "images" / "map.png").write_bytes(b"map-bytes")
    (tmp_path / "images" / "logo.png").write_bytes(b"logo-bytes")
    (tmp_path / "docs" / "notes.txt").write_bytes(b"notes")
    (tmp_path / "blocklet.md").write_text(DOC)
    return tmp_path


def test_only_local_link_targets_change(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = rewrite_markdown(DOC, root / "blocklet.md", root)
    map_path, logo_path, notes_path = media(b"map-bytes", ".png"), media(b"logo-bytes", ".png"), media(b"notes", ".txt")
    expected = (DOC.replace('](./images/map.png "', f'](/assets/{map_path} "')
                .replace("](docs/notes.txt#part)", f"](/assets/{notes_path})")
                .replace("[ref]: ./images/map.png", f"[ref]: /assets/{map_path}")
                .replace('src="/images/logo.png"', f'src="/assets/{logo_path}"'))
    assert result.text == expected
    assert sorted(m.bundle_path for m in result.media) == sorted([map_path, logo_path, notes_path])
    assert "![in code](./missing.png)" in result.text and "`![span](./missing.png)`" in result.text


def test_missing_folder_and_outside_references(tmp_path: Path) -> None:
    root = project(tmp_path)
    with pytest.raises(NotFoundError, match=r"referenced file ./nope.png not found") as caught:
        rewrite_markdown("line one\n\n![x](./nope.png)\n", root / "blocklet.md", root)
    assert caught.value.location.endswith("blocklet.md:3")
    with pytest.raises(BundleError, match=r"only file links are allowed"):
        rewrite_markdown("[d](docs)\n", root / "blocklet.md", root)
    with pytest.raises(UnsafePathError, match=r"outside the project"):
        rewrite_markdown("![x](../../etc/passwd)\n", root / "blocklet.md", root)
    (root / ".env").write_text("SECRET=1")
    with pytest.raises(UnsafePathError, match=r"secret"):
        rewrite_markdown("[env](.env)\n", root / "blocklet.md", root)


def test_markdown_outputs_and_readme_fallback(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# readme")
    assert [(p.name, n) for p, n in markdown_outputs(tmp_path)] == [
        ("README.md", "blocklet.md"), ("README.md", "README.md")]
    (tmp_path / "Blocklet.md").write_text("# main")
    (tmp_path / "blocklet.zh.md").write_text("# zh")
    assert [(p.name, n) for p, n in markdown_outputs(tmp_path)] == [
        ("Blocklet.md", "blocklet.md"), ("blocklet.zh.md", "blocklet.zh.md"), ("README.md", "README.md")]
    (tmp_path / "BLOCKLET.MD").write_text("# dup")
    with pytest.raises(BundleError, match=r"only one blocklet.md"):
        markdown_outputs(tmp_path)


def test_no_markdown_at_all(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"blocklet.md, blocklet.en.md or README.md"):
        markdown_outputs(tmp_path)


def test_changelog_headings_deeper_than_h4_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text("# Changelog\n\n```md\n##### inside a fence is fine\n```\n\n#### 1.0.0\n\n##### too deep\n")
    with pytest.raises(BundleError, match=r"h1~h4 headings should be used in CHANGELOG.md, found h5 at line 9"):
        check_changelog(path)
    path.write_text("# Changelog\n\n#### ok\n")
    check_changelog(path)


def test_changelog_in_workspace_root(tmp_path: Path) -> None:
    app = tmp_path / "packages" / "app"
    app.mkdir(parents=True)
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "changelog.MD").write_text("# c")
    assert find_workspace_root(app) == tmp_path
    assert find_changelog(app) is None
    assert find_changelog(app, tmp_path) == tmp_path / "changelog.MD"


def test_angle_bracket_targets_with_spaces(tmp_path: Path) -> None:
    (tmp_path / "my shot.png").write_bytes(b"shot")
    result = rewrite_markdown("![a](<./my shot.png> \"t\") and [b](my%20shot.png)\n", tmp_path / "blocklet.md",
                              tmp_path)
    path = media(b"shot", ".png")
    assert result.text == f"![a](</assets/{path}> \"t\") and [b](/assets/{path})\n"
    assert len(result.media) == 1
