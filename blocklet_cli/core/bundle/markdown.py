"""Local media of the markdown files (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundlers/markdown.js).

Local links and images (inline, reference definitions, `src`/`href` in raw HTML) are copied to
`media/<md5[0:2]>/<md5[2:]><ext>` and rewritten to `/assets/media/<md5[0:2]>/<md5[2:]><ext>`.
Unlike the reference, which re-serialises the whole document, only the link targets change: every
other byte of the markdown stays as it was. Code blocks and code spans are left alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from blocklet_cli.core.errors import BundleError, NotFoundError, UnsafePathError

INLINE = re.compile(r"(\]\(\s*)(<[^<>\n]+>|[^\s)<>]+)")
DEFINITION = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*<?)(\S+?)(?=>|\s|$)")
HTML_ATTR = re.compile(r"(\b(?:src|href)\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class MediaFile:
    """A local file a markdown file links to, and its place in the bundle."""

    source: Path
    bundle_path: str  # media/ab/cdef….png

    @property
    def url(self) -> str:
        return "/assets/" + self.bundle_path


@dataclass
class RewrittenMarkdown:
    text: str
    media: list[MediaFile] = field(default_factory=list)


def is_local(url: str) -> bool:
    return bool(url) and not (url.startswith(("#", "//", "/assets/media/")) or SCHEME.match(url) or "://" in url)


def media_path(source: Path) -> str:
    digest = hashlib.md5()
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    hexdigest = digest.hexdigest()
    return f"media/{hexdigest[:2]}/{hexdigest[2:]}{source.suffix}"


def _code_lines(text: str) -> set[int]:
    """0-based numbers of lines inside fenced or indented code blocks."""
    from markdown_it import MarkdownIt

    lines: set[int] = set()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


class _Resolver:
    def __init__(self, root: Path, markdown: Path) -> None:
        self.root = root.resolve()
        self.markdown = markdown
        self.found: dict[str, MediaFile] = {}

    def __call__(self, url: str, line: int) -> str:
        from blocklet_cli.core.bundle.exclusions import reason as secret_reason
        from blocklet_cli.core.bundle.select import resolve_inside

        path_part = unquote(url.split("#", 1)[0].split("?", 1)[0])
        if not path_part:
            return url
        where = f"{self.markdown}:{line}"
        base = self.root if path_part.startswith("/") else self.markdown.parent.resolve()
        target = (base / path_part.lstrip("/")).resolve(strict=False)
        try:
            rel = target.relative_to(self.root).as_posix()
        except ValueError:
            raise UnsafePathError(f"referenced file {url} leads outside the project folder",
                                  location=where) from None
        try:
            path = resolve_inside(self.root, rel, "referenced file")
        except UnsafePathError as exc:
            raise UnsafePathError(exc.message, location=where) from None
        if path.is_dir():
            raise BundleError(f"only file links are allowed in {self.markdown.name}, found a folder {url}",
                              location=where)
        if not path.is_file():
            raise NotFoundError(f"referenced file {url} not found when bundling {self.markdown.name}",
                                location=where)
        if secret_reason(rel, path):
            raise UnsafePathError(f"referenced file {url} is a secret file and is never bundled", location=where)
        if rel not in self.found:
            self.found[rel] = MediaFile(path, media_path(path))
        return self.found[rel].url


def _rewrite_segment(segment: str, resolve, line: int) -> str:
    def inline(match: re.Match) -> str:
        target = match.group(2)
        url = target[1:-1] if target.startswith("<") else target
        if not is_local(url):
            return match.group(0)
        new = resolve(url, line)
        return match.group(1) + (f"<{new}>" if target.startswith("<") else new)

    def html(match: re.Match) -> str:
        url = match.group(3)
        return match.group(1) + match.group(2) + (resolve(url, line) if is_local(url) else url) + match.group(2)

    return HTML_ATTR.sub(html, INLINE.sub(inline, segment))


def rewrite_markdown(text: str, markdown: Path, root: Path) -> RewrittenMarkdown:
    """Rewrite the local links of one markdown file; list the media files to copy."""
    resolve = _Resolver(root, markdown)
    code = _code_lines(text)
    out_lines = []
    for index, line in enumerate(text.splitlines(keepends=True)):
        if index in code:
            out_lines.append(line)
            continue
        number = index + 1
        definition = DEFINITION.match(line)
        if definition and is_local(definition.group(2)):
            line = definition.group(1) + resolve(definition.group(2), number) + line[definition.end():]
        pieces, last = [], 0
        for span in CODE_SPAN.finditer(line):
            pieces.append(_rewrite_segment(line[last:span.start()], resolve, number))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(_rewrite_segment(line[last:], resolve, number))
        out_lines.append("".join(pieces))
    return RewrittenMarkdown("".join(out_lines), list(resolve.found.values()))


def markdown_outputs(root: Path) -> list[tuple[Path, str]]:
    """The markdown files of a project and their names in the bundle: `blocklet.md` (or its
    `blocklet.en.md` fallback, or README.md — written as `blocklet.md` too, unlike the reference),
    `blocklet.<lang>.md`, and `README.md`. Raises BundleError when none exists or names clash."""
    names = {p.name: p for p in root.iterdir() if p.is_file() and not p.is_symlink()}
    lower: dict[str, list[str]] = {}
    for name in names:
        lower.setdefault(name.lower(), []).append(name)
    for key in ("blocklet.md", "readme.md"):
        if len(lower.get(key, [])) > 1:
            raise BundleError(f"only one {key} (not case sensitive) can exist in {root}: "
                              + ", ".join(sorted(lower[key])))
    outputs: list[tuple[Path, str]] = []
    main_md = next((lower[key][0] for key in ("blocklet.md", "blocklet.en.md", "readme.md") if key in lower), None)
    if main_md is None:
        raise NotFoundError(f"either blocklet.md, blocklet.en.md or README.md should exist in {root}")
    outputs.append((names[main_md], "blocklet.md"))
    for key, variants in sorted(lower.items()):
        if re.fullmatch(r"blocklet\.[a-z]{2}(-[a-z]{2,4})?\.md", key) and key != "blocklet.en.md":
            outputs.append((names[variants[0]], key))
    if "readme.md" in lower:
        outputs.append((names[lower["readme.md"][0]], "README.md"))
    return outputs
