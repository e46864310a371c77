"""Reproducible archives: the release tarball and zip files (reference: ArcBlock/blocklet-server
core/util/lib/create-blocklet-release.js and core/cli/lib/commands/blocklet/bundle/zip/archive.js).

Tarball: gzip tar, every entry under `package/`, regular files only, sorted by path, uid/gid 0, empty
owner names, modes 0644 (0755 when the source is executable), one fixed mtime, gzip header mtime 0.
Same input files give the same bytes. Files are streamed (never held in memory), compressed on
all cores with zlib-ng (1 MiB blocks deflated in parallel, each primed with the previous block's last
32 KiB like pigz; pieces that do not compress — random or already compressed data — are stored
instead of deflated), and the SHA-512 / size of the output are computed while it is written.

Zip: entries sorted, dated 1980-01-01 00:00, unix modes 0644/0755, deflate; also streamed.

Every entry name written, whatever produced it, is checked by `check_entry_name`: relative, POSIX,
no `..`/`.`/empty component, no backslash or control character (no zip-slip for any extractor).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import struct
import tarfile
import zipfile
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from blocklet_cli.core.errors import FileSystemError
from blocklet_cli.core.report import NULL_TASK, Task

# npm's fixed date for reproducible packs (1985-10-26T08:15:00Z), used unless SOURCE_DATE_EPOCH is set.
DEFAULT_MTIME = 499162500
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
COPY_BUFFER = 1 << 20



def check_entry_name(name: str) -> str:
    """`name` if it is a safe archive entry name; UnsafePathError otherwise."""
    from blocklet_cli.core.errors import UnsafePathError

    parts = name.split("/")
    bad = (not name or name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in parts)
           or any(ord(char) < 32 or ord(char) == 127 for char in name) or (len(name) > 1 and name[1] == ":"))
    if bad:
        raise UnsafePathError(f"refusing to write archive entry {name!r}: entry names must be relative paths "
                              "inside the archive (no '..', no leading '/')")
    return name


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
    from blocklet_cli.core.settings import resolve

    value = resolve("sourceDateEpoch", env=environ).value or ""
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


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, mtime 0, OS unknown
BLOCK_SIZE = 1 << 20
WINDOW = 32768


PROBE = 4096
STORED_MAX = 65535


def _compressible(data: bytes | memoryview) -> bool:
    """A quick look: does the start of this piece shrink at deflate level 1?"""
    from zlib_ng import zlib_ng

    if len(data) < PROBE:
        return True
    probe = zlib_ng.compressobj(1, zlib_ng.DEFLATED, -15)
    return len(probe.compress(data[:PROBE]) + probe.flush()) < PROBE * 0.95


def _stored(data: memoryview) -> bytes:
    """Deflate stored blocks (not final) holding `data` as is."""
    parts = []
    for start in range(0, len(data), STORED_MAX):
        chunk = data[start:start + STORED_MAX]
        parts.append(struct.pack("<BHH", 0, len(chunk), len(chunk) ^ 0xFFFF))
        parts.append(bytes(chunk))
    return b"".join(parts)


def _deflate_block(block: bytes | memoryview, cuts: list[tuple[int, int]], level: int,
                   dictionary: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of one block, ending on a byte boundary (sync flush); its CRC-32 and length.

    `cuts` are the pieces the block was written in (a tar header, a slice of one file): pieces that do
    not compress (random, already compressed) are stored, the rest deflated at `level`."""
    from zlib_ng import zlib_ng

    view = memoryview(block)
    out: list[bytes] = []
    compressor = None
    for start, end in cuts:
        piece = view[start:end]
        if level and _compressible(piece):
            if compressor is None:
                use_dictionary = start == 0 and dictionary
                compressor = (zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, zdict=dictionary) if use_dictionary
                              else zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15))
            out.append(compressor.compress(piece))
        else:
            if compressor is not None:
                out.append(compressor.flush(zlib_ng.Z_SYNC_FLUSH))
                compressor = None
            out.append(_stored(piece))
    if compressor is not None:
        out.append(compressor.flush(zlib_ng.Z_SYNC_FLUSH))
    return b"".join(out), zlib_ng.crc32(block), len(block)


class ParallelGzipWriter:
    """A gzip stream written by compressing fixed-size blocks on a thread pool, in order.

    Output bytes depend only on the input bytes and the level (not on timing or thread count).
    Compressed blocks go to `out` (hashing, file writes) on one more thread, in order. At most
    `2 x threads` blocks are in flight, so memory stays bounded.
    """

    def __init__(self, out, *, level: int = 6, threads: int = 2, block_size: int = BLOCK_SIZE) -> None:
        self.out, self.level, self.block_size = out, level, block_size
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="gzip")
        self.sink = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gzip-out")
        self.pending: deque[Future] = deque()
        self.sinking: deque[Future] = deque()
        self.limit = 2 * max(1, threads)
        self._new_block()
        self.tail = b""
        self.crc = 0
        self.length = 0
        self.position = 0
        self._emit(GZIP_HEADER)

    def _new_block(self) -> None:
        self.block = bytearray(self.block_size)
        self.view = memoryview(self.block)
        self.used = 0
        self.cuts: list[tuple[int, int]] = []

    def _cut(self, start: int, end: int) -> None:
        if self.cuts and self.cuts[-1][1] == start and end - self.cuts[-1][0] < PROBE:
            self.cuts[-1] = (self.cuts[-1][0], end)  # merge small pieces (tar headers, padding)
        else:
            self.cuts.append((start, end))

    def tell(self) -> int:
        return self.position

    def write(self, data) -> int:
        view = memoryview(data)
        size = len(view)
        while view:
            take = min(len(view), self.block_size - self.used)
            self.view[self.used:self.used + take] = view[:take]
            self._cut(self.used, self.used + take)
            self.used += take
            self.position += take
            view = view[take:]
            if self.used == self.block_size:
                self._submit()
        return size

    def write_file(self, handle, size: int) -> None:
        """Copy `size` bytes of an open binary file straight into the blocks (no extra copies)."""
        remaining = size
        while remaining:
            want = min(remaining, self.block_size - self.used)
            got = handle.readinto(self.view[self.used:self.used + want])
            if not got:
                raise FileSystemError(f"{getattr(handle, 'name', 'a file')} shrank while it was being archived")
            self._cut(self.used, self.used + got)
            self.used += got
            self.position += got
            remaining -= got
            if self.used == self.block_size:
                self._submit()

    def _submit(self) -> None:
        block = self.view[:self.used]
        self.pending.append(self.pool.submit(_deflate_block, block, self.cuts, self.level, self.tail))
        self.tail = bytes(block[-WINDOW:])
        self._new_block()
        while len(self.pending) > self.limit:
            self._drain()

    def _emit(self, data: bytes) -> None:
        self.sinking.append(self.sink.submit(self.out.write, data))
        while len(self.sinking) > self.limit:
            self.sinking.popleft().result()

    def _drain(self) -> None:
        from zlib_ng import zlib_ng

        data, crc, length = self.pending.popleft().result()
        self._emit(data)
        self.crc = zlib_ng.crc32_combine(self.crc, crc, length)
        self.length += length

    def close(self) -> None:
        """Finish the stream (final empty block and trailer) and wait until it is all written."""
        try:
            if self.used:
                self._submit()
            while self.pending:
                self._drain()
            self._emit(b"\x03\x00" + struct.pack("<II", self.crc & 0xFFFFFFFF, self.length & 0xFFFFFFFF))
            while self.sinking:
                self.sinking.popleft().result()
        finally:
            self.abort()

    def abort(self) -> None:
        for future in [*self.pending, *self.sinking]:
            future.cancel()
        self.pool.shutdown(wait=True)
        self.sink.shutdown(wait=True)


def _tar_header(name: str, entry: ArchiveEntry, mtime: int) -> bytes:
    """The tar header of a regular file: built directly for short ASCII names (the same bytes
    `tarfile` writes, without its per-file overhead), through `tarfile` (pax records) otherwise."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= 100 and encoded.isascii() and entry.size < 8**11 and 0 <= mtime < 8**11:
        header = bytearray(struct.pack(
            "100s8s8s8s12s12s8s1s100s8s32s32s8s8s155s12x", encoded,
            b"%07o\0" % (0o755 if entry.executable else 0o644), b"0000000\0", b"0000000\0",
            b"%011o\0" % entry.size, b"%011o\0" % mtime, b" " * 8, tarfile.REGTYPE, b"",
            tarfile.POSIX_MAGIC, b"", b"", b"", b"", b""))
        header[148:155] = b"%06o\0" % sum(header)
        return bytes(header)
    info = tarfile.TarInfo(name)
    info.size = entry.size
    info.mtime = mtime
    info.mode = 0o755 if entry.executable else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def write_tarball(path: Path, entries: Iterable[ArchiveEntry], *, prefix: str = "package/",
                  mtime: int | None = None, threads: int | None = None, level: int = 3,
                  task: Task = NULL_TASK) -> TarballInfo:
    """Write a reproducible .tgz of `entries` (sorted by name) to `path`; return size and integrity.

    ustar headers (pax records only for long or non-ASCII names), no folder entries, two zero blocks
    at the end, no padding to 10 KiB records (as node-tar). `task` advances by each file's size."""
    mtime = source_date_epoch() if mtime is None else mtime
    threads = threads if threads is not None else max(1, len(os.sched_getaffinity(0)))
    ordered = sorted(entries, key=lambda entry: entry.name)
    for entry in ordered:
        check_entry_name(prefix + entry.name)
    unpacked = 0
    with open(path, "wb") as raw:
        counter = _HashingWriter(raw)
        gz = ParallelGzipWriter(counter, level=level, threads=threads)
        try:
            for entry in ordered:
                with open(entry.source, "rb", buffering=0) as handle:
                    if os.fstat(handle.fileno()).st_size != entry.size:
                        raise FileSystemError(f"{entry.source} changed while it was being archived",
                                              hint="run the command again once nothing writes to the project")
                    gz.write(_tar_header(prefix + entry.name, entry, mtime))
                    gz.write_file(handle, entry.size)
                gz.write(bytes(-entry.size % tarfile.BLOCKSIZE))
                unpacked += entry.size
                task.advance(entry.size)
            gz.write(bytes(2 * tarfile.BLOCKSIZE))
        except BaseException:
            gz.abort()
            raise
        gz.close()
    integrity = "sha512-" + base64.b64encode(counter.sha512.digest()).decode("ascii")
    return TarballInfo(path=Path(path), size=counter.size, integrity=integrity, unpacked_size=unpacked)


def write_zip(path: Path, entries: Iterable[ArchiveEntry], *, level: int = 6,
              store_suffixes: tuple[str, ...] = (".tgz", ".gz", ".zip", ".png", ".jpg", ".jpeg", ".webp"),
              task: Task = NULL_TASK) -> list[str]:
    """Write a reproducible zip of `entries` (sorted by name); return the entry names. `task` advances by
    each file's size."""
    ordered = sorted(entries, key=lambda entry: entry.name)
    for entry in ordered:
        check_entry_name(entry.name)
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
            task.advance(entry.size)
    return [entry.name for entry in ordered]
