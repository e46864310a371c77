"""`blocklet add` / `blocklet remove`: change the components of a project's blocklet.yml.

Reference: ArcBlock/blocklet-server core/cli/lib/commands/blocklet/add.js and remove.js (argument parsing, what is
written, messages). Unlike the reference we check
an already-listed name before any network, refuse `name@^1.0.0` instead of taking it as a name, never
write `title: ''` (the schema rejects it), check mount points against the siblings, and edit the file
in place (component_edit) instead of re-dumping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from blocklet_cli.core.errors import ComponentError, NotFoundError, UsageError
from blocklet_cli.core.report import NULL_REPORTER, Reporter

if TYPE_CHECKING:
    from blocklet_cli.core.components.resolve import ComponentTree

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


def default_mount_segment(name: str) -> str:
    """The one-segment default mount point of a component named `name` (`component` when nothing is left)."""
    from blocklet_cli.core.meta.names import url_path_friendly

    return url_path_friendly(name, one_segment=True) or "component"


@dataclass
class AddResult:
    status: str  # "added" | "exists"
    file: Path
    component: dict
    tree: ComponentTree | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"status": self.status, "file": str(self.file), "component": self.component,
                "tree": self.tree.to_dict() if self.tree is not None else None, "warnings": self.warnings}


@dataclass
class RemoveResult:
    file: Path
    name: str
    remaining: list[str]

    def to_dict(self) -> dict:
        return {"status": "removed", "file": str(self.file), "name": self.name, "remaining": self.remaining}


def _read(project: Path):
    """The project's metadata file, read with `validate`'s input checks (`edit.read_user_file`)."""
    from blocklet_cli.core.meta import find_meta_file
    from blocklet_cli.core.project.edit import read_user_file

    return read_user_file(find_meta_file(project))


def _portable(url: str, project_dir: Path) -> str:
    """A `file://` URL as a `file:` path relative to the project (the resolver reads relative `file:` paths
    from the project folder), so the project and its store can move together."""
    import os
    from urllib.parse import quote

    from blocklet_cli.core.http import file_url_path

    relative = os.path.relpath(file_url_path(url), project_dir.resolve())
    return "file:" + quote(Path(relative).as_posix(), safe="/._-~")


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
    from blocklet_cli.core.meta.mount_point import normalize_mount_point
    from blocklet_cli.core.project.edit import editing, write_user_files

    file = _read(Path(project))
    path, text = file.path, file.text
    warnings: list[str] = []
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
        mount_point = normalize_mount_point(mount_point)
    if wanted.name is None:  # parse_spec gives either a URL or a name
        source: dict = {"url": wanted.url}
    else:
        normalized = [normalize_store(store) for store in stores]
        if not normalized:
            raise UsageError("no store to look the component up in: pass --store")
        if any(store.startswith("file:") for store in normalized):
            # `source.store` must be an http(s) URL (`@blocklet/meta`'s schema): a file store is written as
            # the URL(s) of the component's blocklet.json in it, which any reader resolves the same way.
            urls = [_portable(store_meta_url(store, wanted.name, wanted.version), path.parent) for store in normalized]
            source = {"url": urls[0] if len(urls) == 1 else urls}
            warnings.append(f"the source of {wanted.name} is a local folder ({urls[0]}, relative to the project): "
                            "it resolves only on this machine; serve the store over HTTP and add it with "
                            "--store http://… before you publish or deploy")
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
    entry["mountPoint"] = mount_point or "/" + default_mount_segment(str(resolved.meta.get("name") or resolved.name))
    if "name" in source:
        source["name"] = resolved.name
    entry["source"] = source
    with editing(file.target.parent, "add"):  # re-read under the lock: another edit may have landed meanwhile
        file = _read(Path(project))
        current = components_in(file.text, str(path))
        if resolved.name in _names(current):
            existing = next(c for c in current if isinstance(c, dict) and c.get("name") == resolved.name)
            return AddResult("exists", path, existing)
        try:
            check_siblings([*current, entry])
        except ComponentError as exc:
            raise ComponentError(exc.message, hint="choose another one with --mount-point") from exc
        write_user_files([(file, add_component(file.text, entry, str(path)))])
    return AddResult("added", path, entry, tree, warnings)


def remove_from_project(project: str | Path, name: str) -> RemoveResult:
    """Remove the component called `name` from blocklet.yml (no network)."""
    from blocklet_cli.core.components.edit import components_in, remove_component
    from blocklet_cli.core.meta import find_meta_file
    from blocklet_cli.core.project.edit import editing, write_user_files

    with editing(find_meta_file(Path(project)).resolve().parent, "remove"):
        file = _read(Path(project))
        path = file.path
        names = _names(components_in(file.text, str(path)))
        if name not in names:
            known = f"known: {', '.join(names)}" if names else "it has no components"
            raise NotFoundError(f"cannot find component {name} ({known})", location=str(path))
        write_user_files([(file, remove_component(file.text, name, str(path)))])
    return RemoveResult(path, name, [n for n in names if n != name])
