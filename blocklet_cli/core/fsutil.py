"""File writing that never leaves a half-written file: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from blocklet_cli.core.errors import BlockletError


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file next to `path` to write freely: renamed onto `path` when the block succeeds,
    removed when it fails (or is interrupted), so `path` is never half-written."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically; keep the old file's permissions unless `mode` is given."""
    path = Path(path)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise BlockletError(f"cannot write {path}: {exc.strerror}") from exc


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Replace `path` with UTF-8 `text` atomically (newlines written as given)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def write_secret_file(path: Path, data: bytes | str) -> None:
    """Write a file only its owner can read (mode 0600), atomically, creating parent folders (0700)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data, mode=0o600)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
