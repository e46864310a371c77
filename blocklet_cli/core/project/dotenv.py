"""The project's dotenv files as the reference loads them (dotenv-flow with NODE_ENV=development:
ArcBlock/blocklet-server core/cli/lib/util/blocklet/env.js and the top of commands/blocklet/dev.js, deploy.js):
`.env`, `.env.local`, `.env.development`, `.env.development.local`; later files win, the real environment wins
over all of them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DOTENV_FILES = (".env", ".env.local", ".env.development", ".env.development.local")


def read_dotenv_files(project_dir: Path) -> list[tuple[str, dict[str, str]]]:
    """`(file name, values)` for each existing dotenv file, in precedence order (last wins)."""
    from dotenv import dotenv_values

    found = []
    for name in DOTENV_FILES:
        path = Path(project_dir) / name
        if path.is_file():
            values = dotenv_values(path, interpolate=False)
            found.append((name, {key: value for key, value in values.items() if value is not None}))
    return found


def project_environ(project_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The dotenv files' values overlaid by the real environment (`environ`, default `os.environ`)."""
    merged: dict[str, str] = {}
    for _, values in read_dotenv_files(project_dir):
        merged.update(values)
    merged.update(os.environ if environ is None else environ)
    return merged
