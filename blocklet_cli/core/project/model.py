"""A Blocklet project: its folder, its metadata file and its normalised metadata.

Reference: ArcBlock/blocklet-server blocklet/meta/src/file.ts (`blocklet.yml`, else `blocklet.yaml`) and
blocklet/meta/src/parse.ts (read, fix, validate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blocklet_cli.core.meta.api import ParseMode, find_meta_file, parse_meta


@dataclass
class Project:
    """A project folder with a valid `blocklet.yml` (or `blocklet.yaml`)."""

    root: Path
    meta_path: Path
    meta: dict

    def to_dict(self) -> dict:
        return {"root": str(self.root), "metaPath": str(self.meta_path), "meta": self.meta}


def load_project(path: str | Path = ".", mode: ParseMode = "meta", **kw: Any) -> Project:
    """Locate and parse the project at `path` (a folder or its metadata file).

    Keyword arguments go to `parse_meta` (`default_store_url`, `ensure_component_store`). Raises
    NotFoundError, FileFormatError or MetaError.
    """
    meta_path = find_meta_file(path).resolve()
    meta = parse_meta(meta_path, mode=mode, **kw)
    return Project(root=meta_path.parent, meta_path=meta_path, meta=meta)
