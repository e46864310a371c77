"""Reproducible release tarballs and zips (archive.py)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from blocklet_cli.core.bundle.archive import (
    DEFAULT_MTIME,
    ArchiveEntry,
    source_date_epoch,
    write_tarball,
    write_zip,
)


def make_tree(root: Path) -> list[ArchiveEntry]:
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n")
    (root / "b" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "b" / "run.sh").chmod(0o775)
    (root / "big.bin").write_bytes(os.urandom(300_000) + b"x" * 300_000)
    (root / "a.txt").chmod(0o600)
    return [ArchiveEntry.of(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]


def test_tarball_headers_are_normalised(tmp_path: Path) -> None:
    entries = make_tree(tmp_path / "src")
    info = write_tarball(tmp_path / "out.tgz", entries, mtime=1234567890)
    with tarfile.open(tmp_path / "out.tgz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["package/a.txt", "package/b/run.sh", "package/big.bin"]
    assert all(m.isfile() for m in members)
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "", "", 1234567890)}
    modes = {m.name: m.mode for m in members}
    assert modes == {"package/a.txt": 0o644, "package/b/run.sh": 0o755, "package/big.bin": 0o644}
    data = (tmp_path / "out.tgz").read_bytes()
    assert info.size == len(data)
    assert info.integrity == "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert info.unpacked_size == sum(e.size for e in entries)
    assert data[:2] == b"\x1f\x8b" and struct.unpack("<I", data[4:8])[0] == 0  # gzip header mtime 0


def test_tarball_is_byte_identical_across_runs_and_file_times(tmp_path: Path) -> None:
    entries = make_tree(tmp_path / "src")
    first = write_tarball(tmp_path / "one.tgz", entries, mtime=DEFAULT_MTIME)
    for entry in entries:
        os.utime(entry.source, (1, 1))
    second = write_tarball(tmp_path / "two.tgz", list(reversed(entries)), mtime=DEFAULT_MTIME, threads=1)
    assert (tmp_path / "one.tgz").read_bytes() == (tmp_path / "two.tgz").read_bytes()
    assert first.integrity == second.integrity
    with gzip.open(tmp_path / "one.tgz") as handle, tarfile.open(fileobj=io.BytesIO(handle.read())) as tar:
        assert tar.extractfile("package/big.bin").read() == (tmp_path / "src" / "big.bin").read_bytes()


def test_source_date_epoch() -> None:
    assert source_date_epoch({"SOURCE_DATE_EPOCH": "1700000000"}) == 1700000000
    assert source_date_epoch({"SOURCE_DATE_EPOCH": "soon"}) == DEFAULT_MTIME
    assert source_date_epoch({}) == DEFAULT_MTIME


def test_zip_entries_are_sorted_dated_1980_with_unix_modes(tmp_path: Path) -> None:
    entries = make_tree(tmp_path / "src")
    names = write_zip(tmp_path / "one.zip", entries)
    write_zip(tmp_path / "two.zip", list(reversed(entries)))
    assert names == ["a.txt", "b/run.sh", "big.bin"]
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
        assert [i.date_time for i in infos] == [(1980, 1, 1, 0, 0, 0)] * 3
        assert [(i.external_attr >> 16) & 0o777 for i in infos] == [0o644, 0o755, 0o644]
        assert archive.read("b/run.sh") == b"#!/bin/sh\necho hi\n"


def test_fast_headers_equal_tarfile_and_long_names_use_pax(tmp_path: Path) -> None:
    from blocklet_cli.core.bundle.archive import _tar_header

    for name, size, executable in [("package/a.txt", 5, False), ("package/" + "x" * 92, 123456789, True),
                                   ("package/é.txt", 1, False), ("package/" + "y" * 120, 3, False)]:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, DEFAULT_MTIME, 0o755 if executable else 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        entry = ArchiveEntry(name[8:], tmp_path, size, executable)
        assert _tar_header(name, entry, DEFAULT_MTIME) == info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    deep = tmp_path / "src" / ("long-folder-name-" * 8) / "ünïcode.txt"
    deep.parent.mkdir(parents=True)
    deep.write_text("deep")
    write_tarball(tmp_path / "long.tgz", [ArchiveEntry.of(deep.relative_to(tmp_path / "src").as_posix(), deep)])
    with tarfile.open(tmp_path / "long.tgz") as tar:
        (member,) = tar.getmembers()
        assert member.name == "package/" + deep.relative_to(tmp_path / "src").as_posix()
        assert tar.extractfile(member).read() == b"deep"


@pytest.mark.parametrize("name", ["node_modules/../../other/lib/notes.txt", "../x", "/etc/passwd", "a//b", "./a",
                                  "a\\..\\b", "a/\x1b]0;x\x07"])
@pytest.mark.parametrize("kind", ["zip", "tarball"])
def test_unsafe_entry_names_are_refused_before_anything_is_written(name, kind, tmp_path):
    from blocklet_cli.core.bundle.archive import ArchiveEntry, write_tarball, write_zip
    from blocklet_cli.core.errors import UnsafePathError

    source = tmp_path / "f.txt"
    source.write_text("x")
    target = tmp_path / f"out.{kind}"
    writer = write_zip if kind == "zip" else write_tarball
    with pytest.raises(UnsafePathError, match="refusing to write archive entry"):
        writer(target, [ArchiveEntry.of("ok.txt", source), ArchiveEntry.of(name, source)])
    assert not target.exists()
