"""File writing that never leaves a half-written file: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from blocklet_cli.core.errors import FileSystemError


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
        raise FileSystemError(f"cannot write {path}: {exc.strerror or exc}", errno=exc.errno) from None


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


WORK_DIR = ".blocklet"
LOCK_FILE = ".lock"


@contextlib.contextmanager
def project_lock(project_dir: Path, action: str, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the project's one lock (`.blocklet/.lock`, an flock) while bundling or editing its files.

    `bundle`, `add`, `remove` and `version` all take it, so two of them never read-modify-write the same
    files at once. With `wait` > 0 a held lock is retried for that many seconds (an edit takes
    milliseconds); then ConflictError names the action holding it. Yields the `.blocklet` folder.
    """
    import fcntl

    from blocklet_cli.core.errors import ConflictError

    work = Path(project_dir).resolve() / WORK_DIR
    try:
        if not work.is_dir():
            work.mkdir()
            (work / ".gitignore").write_text("# created by blocklet: build output and its lock\n*\n")
        handle = open(work / LOCK_FILE, "a+")  # noqa: SIM115 (held for the whole block)
    except OSError as exc:
        raise FileSystemError.from_os_error(exc, "cannot create the project lock") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read(200).strip() or "another blocklet command"
                    raise ConflictError(f"{holder} is running in {work.parent}; cannot {action} now",
                                        hint="wait for it to finish, then run the command again") from None
                time.sleep(0.05)
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.write(f"`blocklet {action}` (pid {os.getpid()})")
            handle.flush()
        yield work
    finally:
        handle.close()
