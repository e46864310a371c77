"""`blocklet add` / `blocklet remove`: change the components of a project's blocklet.yml.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/add.js and remove.js (argument parsing, what is
written, messages). Unlike the reference we check
an already-listed name before any network, refuse `name@^1.0.0` instead of taking it as a name, never
write `title: ''` (the schema rejects it), check mount points against the siblings, and edit the file
in place (component_edit) instead of re-dumping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from blocklet_cli.core.errors import ComponentError, FileFormatError, NotFoundError, UsageError
from blocklet_cli.core.report import NULL_REPORTER, Reporter

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:")
_VERSIONED = re.compile(r"^(.+)@(latest|v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")


@dataclass(frozen=True)
class ComponentSpec:
    """What the user typed: a name with a version, or a URL."""

    name: str | None = None
    version: str = "latest"
    url: str | None = None


def parse_spec(text: str) -> ComponentSpec:
    """`NAME`, `NAME@latest`, `NAME@x.y.z` (scoped names too) or a URL (`http(s)://`, `file:`)."""
    text = text.strip()
    if not text:
        raise UsageError("give a component: NAME[@VERSION] or the URL of its blocklet.json")
    if _URL.match(text):
        return ComponentSpec(url=text)
    match = _VERSIONED.match(text)
    if match:
        return ComponentSpec(name=match.group(1), version=match.group(2))
    if "@" in text[1:]:
        name, version = text.rsplit("@", 1)
        raise UsageError(f"version {version!r} of {name} is not supported: use latest or an exact x.y.z")
    return ComponentSpec(name=text)


def url_path_friendly(text: str) -> str:
    """The reference's `urlPathFriendly`, with `/` also replaced (a default mount point is one segment)."""
    ascii_only = text.strip().encode("ascii", "ignore").decode("ascii")
    friendly = re.sub(r"[^A-Za-z0-9_.\-]", "-", ascii_only)
    friendly = re.sub(r"-+", "-", re.sub(r"\.+", ".", friendly))
    return friendly.strip("-") or "component"


@dataclass
class AddResult:
    status: str  # "added" | "exists"
    file: Path
    component: dict
    tree: object | None = None  # ComponentTree

    def to_dict(self) -> dict:
        return {"status": self.status, "file": str(self.file), "component": self.component,
                "tree": self.tree.to_dict() if self.tree is not None else None}  # type: ignore[attr-defined]


@dataclass
class RemoveResult:
    file: Path
    name: str
    remaining: list[str]

    def to_dict(self) -> dict:
        return {"status": "removed", "file": str(self.file), "name": self.name, "remaining": self.remaining}


def _read(project: Path) -> tuple[Path, str]:
    from blocklet_cli.core.meta import find_meta_file

    path = find_meta_file(project)
    try:
        return path, path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError("not UTF-8 text", location=str(path)) from exc
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror}", location=str(path)) from exc


def printable_title(value: object) -> str:
    """A title as it may be written into blocklet.yml: control and format characters (terminal escape
    sequences, bidi overrides) removed, whitespace runs made one space; "" for a non-string."""
    if not isinstance(value, str):
        return ""
    return " ".join("".join(char if char.isprintable() else " " for char in value).split())


def _names(components: list) -> list[str]:
    return [str(c["name"]) for c in components if isinstance(c, dict) and c.get("name")]


def add_to_project(project: str | Path, spec: str, *, stores: list[str], mount_point: str | None = None,
                   title: str | None = None, offline: bool = False, timeout: float | None = None,
                   reporter: Reporter = NULL_REPORTER) -> AddResult:
    """Resolve the component (and verify the whole tree with it), then append it to blocklet.yml."""
    import yaml

    from blocklet_cli.core.components.edit import add_component, components_in
    from blocklet_cli.core.components.resolve import (
        check_siblings,
        mount_point_problem,
        normalize_store,
        store_meta_url,
        verify_tree,
    )
    from blocklet_cli.core.fsutil import atomic_write_text

    path, text = _read(Path(project))
    if title is not None and not title.strip():
        raise UsageError("--title must not be empty")
    if title is not None and not all(char.isprintable() for char in title):
        raise UsageError("--title must not contain control characters")
    current = components_in(text, str(path))
    wanted = parse_spec(spec)
    if wanted.name and wanted.name in _names(current):
        existing = next(c for c in current if isinstance(c, dict) and c.get("name") == wanted.name)
        return AddResult("exists", path, existing)
    if mount_point is not None:
        problem = mount_point_problem(mount_point)
        if problem:
            raise UsageError(f"--mount-point {mount_point!r} {problem}")
        mount_point = mount_point.strip()
    if wanted.url:
        source: dict = {"url": wanted.url}
    else:
        normalized = [normalize_store(store) for store in stores]
        if not normalized:
            raise UsageError("no store to look the component up in: pass --store")
        if any(store.startswith("file:") for store in normalized):
            # `source.store` must be an http(s) URL (`@blocklet/meta`'s schema): a file store is written as
            # the URL(s) of the component's blocklet.json in it, which any reader resolves the same way.
            urls = [store_meta_url(store, wanted.name, wanted.version) for store in normalized]
            source = {"url": urls[0] if len(urls) == 1 else urls}
        else:
            source = {"store": normalized[0] if len(normalized) == 1 else normalized, "name": wanted.name,
                      "version": wanted.version}
    draft: dict = {"name": wanted.name, "source": source} if wanted.name else {"source": source}
    if mount_point:
        draft["mountPoint"] = mount_point
    data = yaml.safe_load(text) or {}
    tree = verify_tree({**data, "components": [*current, draft]}, project_dir=path.parent, offline=offline,
                       reporter=reporter, description=f"Resolving {spec}", timeout=timeout)
    resolved = tree.components[-1]
    if resolved.name in _names(current):
        existing = next(c for c in current if isinstance(c, dict) and c.get("name") == resolved.name)
        return AddResult("exists", path, existing)
    entry: dict = {"name": resolved.name}
    chosen_title = (title or "").strip() or printable_title(resolved.meta.get("title"))
    if chosen_title:
        entry["title"] = chosen_title
    entry["mountPoint"] = mount_point or "/" + url_path_friendly(str(resolved.meta.get("name") or resolved.name))
    if "name" in source:
        source["name"] = resolved.name
    entry["source"] = source
    try:
        check_siblings([*current, entry])
    except ComponentError as exc:
        raise ComponentError(exc.message, hint="choose another one with --mount-point") from exc
    atomic_write_text(path, add_component(text, entry, str(path)))
    return AddResult("added", path, entry, tree)


def remove_from_project(project: str | Path, name: str) -> RemoveResult:
    """Remove the component called `name` from blocklet.yml (no network)."""
    from blocklet_cli.core.components.edit import components_in, remove_component
    from blocklet_cli.core.fsutil import atomic_write_text

    path, text = _read(Path(project))
    names = _names(components_in(text, str(path)))
    if name not in names:
        known = f"known: {', '.join(names)}" if names else "it has no components"
        raise NotFoundError(f"cannot find component {name} ({known})", location=str(path))
    atomic_write_text(path, remove_component(text, name, str(path)))
    return RemoveResult(path, name, [n for n in names if n != name])
