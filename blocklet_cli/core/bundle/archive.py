"""Reproducible archives: the release tarball and zip files (reference: cli.md §3.8.4 and §3.8.2).

Tarball: gzip tar, every entry under `package/`, regular files only, sorted by path, uid/gid 0, empty
owner names, modes 0644 (0755 when the source is executable), one fixed mtime, gzip header mtime 0.
Same input files give the same bytes. Files are streamed (never held in memory), compressed on
all cores with zlib-ng, and the SHA-512 / size of the output are computed while it is written.

Zip: entries sorted, dated 1980-01-01 00:00, unix modes 0644/0755, deflate; also streamed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# npm's fixed date for reproducible packs (1985-10-26T08:15:00Z), used unless SOURCE_DATE_EPOCH is set.
DEFAULT_MTIME = 499162500
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
COPY_BUFFER = 1 << 20

ProgressFn = Callable[..., None]


@dataclass
class ArchiveEntry:
    """One file to put into an archive: its name inside the archive and where to read it."""

    name: str
    source: Path
    size: int
    executable: bool = False

    @classmethod
    def of(cls, name: str, source: Path) -> ArchiveEntry:
        info = source.stat()
        return cls(name, source, info.st_size, bool(info.st_mode & stat.S_IXUSR))


@dataclass
class TarballInfo:
    """What was written: path, byte size and SRI integrity of the tarball."""

    path: Path
    size: int
    integrity: str
    unpacked_size: int


def source_date_epoch(environ: dict | None = None) -> int:
    """`SOURCE_DATE_EPOCH` when set to an integer, else the fixed default date."""
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else DEFAULT_MTIME


class _HashingWriter:
    """A binary file wrapper that hashes (SHA-512) and counts what passes through it."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.sha512 = hashlib.sha512()
        self.size = 0

    def write(self, data) -> int:
        self.sha512.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def write_tarball(path: Path, entries: Iterable[ArchiveEntry], *, prefix: str = "package/",
                  mtime: int | None = None, threads: int | None = None, level: int = 6,
                  progress: ProgressFn | None = None) -> TarballInfo:
    """Write a reproducible .tgz of `entries` (sorted by name) to `path`; return size and integrity."""
    from zlib_ng import gzip_ng_threaded

    mtime = source_date_epoch() if mtime is None else mtime
    threads = threads if threads is not None else max(1, len(os.sched_getaffinity(0)))
    ordered = sorted(entries, key=lambda entry: entry.name)
    unpacked = 0
    with open(path, "wb") as raw:
        counter = _HashingWriter(raw)
        with gzip_ng_threaded.open(counter, "wb", compresslevel=level, threads=threads) as gz, \
                tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8") as tar:
            tar.copybufsize = COPY_BUFFER
            for entry in ordered:
                info = tarfile.TarInfo(prefix + entry.name)
                info.size = entry.size
                info.mtime = mtime
                info.mode = 0o755 if entry.executable else 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.type = tarfile.REGTYPE
                with open(entry.source, "rb") as handle:
                    if os.fstat(handle.fileno()).st_size != entry.size:
                        raise OSError(f"{entry.source} changed while it was being archived")
                    tar.addfile(info, handle)
                unpacked += entry.size
                if progress:
                    progress(stage="tarball", file=entry.name, bytes=entry.size)
        raw.flush()
        os.fsync(raw.fileno())
    integrity = "sha512-" + base64.b64encode(counter.sha512.digest()).decode("ascii")
    return TarballInfo(path=Path(path), size=counter.size, integrity=integrity, unpacked_size=unpacked)


def write_zip(path: Path, entries: Iterable[ArchiveEntry], *, level: int = 6,
              store_suffixes: tuple[str, ...] = (".tgz", ".gz", ".zip", ".png", ".jpg", ".jpeg", ".webp"),
              progress: ProgressFn | None = None) -> list[str]:
    """Write a reproducible zip of `entries` (sorted by name); return the entry names."""
    ordered = sorted(entries, key=lambda entry: entry.name)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for entry in ordered:
            info = zipfile.ZipInfo(entry.name, date_time=ZIP_DATE)
            info.create_system = 3
            info.external_attr = ((0o100755 if entry.executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = (zipfile.ZIP_STORED if entry.name.lower().endswith(store_suffixes)
                                  else zipfile.ZIP_DEFLATED)
            info.file_size = entry.size
            with open(entry.source, "rb") as source, archive.open(info, "w", force_zip64=entry.size > 2**31) as out:
                shutil.copyfileobj(source, out, COPY_BUFFER)
            if progress:
                progress(stage="zip", file=entry.name, bytes=entry.size)
    return [entry.name for entry in ordered]
