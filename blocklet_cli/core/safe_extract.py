"""Safe extraction of tar (plain or gzip) and zip archives: nothing is ever written outside the
destination folder.

Refused, before anything of the member is written: absolute names, `..` components, names that
reach through a symlink out of the folder, symlinks and hard links whose target is outside the
folder, device files, FIFOs and other special members, and archives larger than `max_bytes`
unpacked. Files are written without following an existing symlink at their own name, with
permissions limited to 0o755/0o644 (no setuid, no world-writable). Works the same on Python 3.10
(which lacks `tarfile`'s extraction filters in its early patch releases)."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from blocklet_cli.core.errors import FileFormatError

DEFAULT_MAX_BYTES = 4 * 1024**3


class _Guard:
    """Checks names and link targets against the destination, counting unpacked bytes."""

    def __init__(self, archive: Path, dest: Path, max_bytes: int) -> None:
        self.archive = archive
        self.root = dest.resolve()
        self.max_bytes = max_bytes
        self.total = 0

    def refuse(self, name: str, why: str) -> FileFormatError:
        return FileFormatError(f"unsafe archive member {name!r}: {why}", location=str(self.archive))

    def target(self, name: str) -> Path:
        """The path `name` is written to; FileFormatError when it would leave the folder."""
        if "\0" in name:
            raise self.refuse(name, "the name holds a NUL byte")
        posix = PurePosixPath(name.replace("\\", "/"))
        if posix.is_absolute() or (posix.parts and ":" in posix.parts[0]):
            raise self.refuse(name, "absolute path")
        if ".." in posix.parts:
            raise self.refuse(name, "'..' in the path")
        parts = [part for part in posix.parts if part not in ("", ".")]
        if not parts:
            raise self.refuse(name, "empty name")
        path = self.root.joinpath(*parts)
        self.inside(path.parent.resolve(), name)  # the folders on the way (existing symlinks followed)
        return path.parent.resolve() / path.name

    def inside(self, path: Path, name: str) -> None:
        if path != self.root and self.root not in path.parents:
            raise self.refuse(name, "it points outside the destination folder")

    def link_target(self, path: Path, link: str, name: str) -> None:
        """A symlink at `path` pointing at `link` must stay inside the folder."""
        if os.path.isabs(link) or "\0" in link:
            raise self.refuse(name, f"symlink to the absolute path {link!r}")
        self.inside(Path(os.path.normpath(path.parent.resolve() / link)).resolve(), name)

    def count(self, size: int, name: str) -> None:
        self.total += max(size, 0)
        if self.total > self.max_bytes:
            raise self.refuse(name, f"the archive unpacks to more than {self.max_bytes} bytes")


def _replace(path: Path) -> None:
    """Remove whatever is at `path` (a file or a link, never followed) so a member can take its place."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _write(path: Path, source: IO[bytes], mode: int, guard: _Guard, name: str) -> None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        _replace(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o755 if mode & 0o111 else 0o644)
    with os.fdopen(fd, "wb") as handle:
        while chunk := source.read(1024 * 1024):
            guard.count(len(chunk), name)
            handle.write(chunk)


def _symlink(path: Path, link: str, guard: _Guard, name: str) -> None:
    guard.link_target(path, link, name)
    _replace(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(link)


def _mkdir(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        _replace(path)
    path.mkdir(parents=True, exist_ok=True)


def extract_tar(archive: str | Path, dest: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """Extract a tar/tgz into `dest` (created if missing); the member names written, in order."""
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    guard = _Guard(archive, dest, max_bytes)
    written: list[str] = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                path = guard.target(member.name)
                if member.isdir():
                    _mkdir(path)
                elif member.isfile():
                    source = tar.extractfile(member)
                    assert source is not None
                    _write(path, source, member.mode, guard, member.name)
                elif member.issym():
                    _symlink(path, member.linkname, guard, member.name)
                elif member.islnk():
                    source_path = guard.target(member.linkname)
                    if not source_path.is_file() or source_path.is_symlink():
                        raise guard.refuse(member.name, f"hard link to {member.linkname!r}, not an extracted file")
                    _replace(path)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source_path, path)
                else:
                    raise guard.refuse(member.name, "device files, FIFOs and special members are not extracted")
                written.append(member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise FileFormatError(f"cannot extract the archive: {exc}", location=str(archive)) from None
    return written


def extract_zip(archive: str | Path, dest: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """Extract a zip into `dest` (created if missing); the member names written, in order."""
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    guard = _Guard(archive, dest, max_bytes)
    written: list[str] = []
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                path = guard.target(info.filename)
                mode = info.external_attr >> 16
                if info.is_dir():
                    _mkdir(path)
                elif stat.S_ISLNK(mode):
                    _symlink(path, zipped.read(info).decode("utf-8", "surrogateescape"), guard, info.filename)
                elif mode and not stat.S_ISREG(mode):
                    raise guard.refuse(info.filename, "device files, FIFOs and special members are not extracted")
                else:
                    with zipped.open(info) as source:
                        _write(path, source, mode, guard, info.filename)
                written.append(info.filename)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FileFormatError(f"cannot extract the archive: {exc}", location=str(archive)) from None
    return written
