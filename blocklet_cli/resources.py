"""Locate the data folders (`schemas/`, `templates/`) shipped with the package.

A built wheel carries them inside the package as `blocklet_cli/_data/<name>`; an editable install
(or a source checkout) finds them at the repository root, next to the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder `name` (``"schemas"`` or ``"templates"``) wherever it was installed."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} is missing from the installation")


def schema_path() -> Path:
    """Path of the blocklet.yml JSON Schema."""
    return data_dir("schemas") / "blocklet.schema.json"


def templates_dir() -> Path:
    """Folder holding one template folder per blocklet group."""
    return data_dir("templates")
