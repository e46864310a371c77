"""Hostile archives never write outside their folder (`core/safe_extract.py`): absolute names, `..`,
symlinks and hard links pointing out, links chained through earlier members, device files, FIFOs,
unpacked-size bombs. Plain archives (with links inside the folder) extract as they should."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from blocklet_cli.core.errors import FileFormatError
from blocklet_cli.core.safe_extract import extract_tar, extract_zip


def tar_of(path: Path, members: list[tuple[str, str, bytes | str]]) -> Path:
    """members: (kind, name, data or link target); kind in file, dir, sym, lnk, chr, fifo."""
    with tarfile.open(path, "w:gz") as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            body = None
            if kind == "file":
                info.size, body = len(data), io.BytesIO(data)  # type: ignore[arg-type]
            else:
                info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "lnk": tarfile.LNKTYPE,
                             "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
                info.linkname = data if isinstance(data, str) else ""
            tar.addfile(info, body)
    return path


def zip_of(path: Path, members: list[tuple[str, str, bytes | str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for kind, name, data in members:
            info = zipfile.ZipInfo(name)
            if kind == "sym":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            elif kind == "fifo":
                info.external_attr = (stat.S_IFIFO | 0o644) << 16
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    return path


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, Path]:
    """(destination, a sibling folder that must stay untouched)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("original")
    return tmp_path / "dest", outside


def members_for(spec: list[tuple[str, str, bytes | str]], outside: Path) -> list[tuple[str, str, bytes | str]]:
    return [(kind, name.format(outside=outside), data.format(outside=outside) if isinstance(data, str) else data)
            for kind, name, data in spec]


def untouched(outside: Path) -> bool:
    return sorted(p.name for p in outside.iterdir()) == ["keep.txt"] and \
        (outside / "keep.txt").read_text() == "original"


HOSTILE_TARS = {
    "absolute": [("file", "{outside}/evil.txt", b"x")],
    "dot-dot": [("file", "../outside/evil.txt", b"x")],
    "dot-dot-deep": [("dir", "a", b""), ("file", "a/../../outside/evil.txt", b"x")],
    "symlink-out-absolute": [("sym", "link", "{outside}"), ("file", "link/evil.txt", b"x")],
    "symlink-out-relative": [("sym", "link", "../outside"), ("file", "link/evil.txt", b"x")],
    "symlink-chain": [("sym", "a", "."), ("sym", "a/b", ".."), ("file", "a/b/outside/evil.txt", b"x")],
    "symlink-overwrite": [("sym", "keep.txt", "../outside/keep.txt")],
    "hardlink-out-absolute": [("lnk", "copy", "{outside}/keep.txt")],
    "hardlink-out-relative": [("lnk", "copy", "../outside/keep.txt")],
    "char-device": [("chr", "null", b"")],
    "fifo": [("fifo", "pipe", b"")],
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TARS))
def test_hostile_tarball_is_refused_and_nothing_lands_outside(case, tmp_path, place):
    dest, outside = place
    archive = tar_of(tmp_path / f"{case}.tgz", members_for(HOSTILE_TARS[case], outside))
    with pytest.raises(FileFormatError, match="unsafe archive member") as caught:
        extract_tar(archive, dest)
    assert "\n" not in caught.value.message and caught.value.location == str(archive)
    assert untouched(outside)
    assert not any(p.is_symlink() and not p.resolve().is_relative_to(dest.resolve()) for p in dest.rglob("*"))


def test_symlink_member_written_over_by_a_file_does_not_write_through(tmp_path, place):
    dest, outside = place
    dest.mkdir()
    (dest / "keep.txt").symlink_to(outside / "keep.txt")  # left by someone else
    extract_tar(tar_of(tmp_path / "a.tgz", [("file", "keep.txt", b"new")]), dest)
    assert untouched(outside) and (dest / "keep.txt").read_bytes() == b"new"
    assert not (dest / "keep.txt").is_symlink()


HOSTILE_ZIPS = {
    "absolute": [("file", "{outside}/evil.txt", b"x")],
    "dot-dot": [("file", "../outside/evil.txt", b"x")],
    "backslash-dot-dot": [("file", "..\\outside\\evil.txt", b"x")],
    "symlink-out": [("sym", "link", "../outside"), ("file", "link/evil.txt", b"x")],
    "fifo": [("fifo", "pipe", b"")],
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ZIPS))
def test_hostile_zip_is_refused_and_nothing_lands_outside(case, tmp_path, place):
    dest, outside = place
    archive = zip_of(tmp_path / f"{case}.zip", members_for(HOSTILE_ZIPS[case], outside))
    with pytest.raises(FileFormatError, match="unsafe archive member"):
        extract_zip(archive, dest)
    assert untouched(outside)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_unpacked_size_limit(kind, tmp_path, place):
    dest, outside = place
    members = [("file", "big.bin", bytes(200_000))]
    archive = tar_of(tmp_path / "b.tgz", members) if kind == "tar" else zip_of(tmp_path / "b.zip", members)
    extract = extract_tar if kind == "tar" else extract_zip
    with pytest.raises(FileFormatError, match="unpacks to more than 100000 bytes"):
        extract(archive, dest, max_bytes=100_000)
    assert untouched(outside)


def test_broken_archives_are_file_format_errors(tmp_path):
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"\x1f\x8b" + bytes(40))
    with pytest.raises(FileFormatError, match="cannot extract the archive"):
        extract_tar(junk, tmp_path / "d1")
    with pytest.raises(FileFormatError, match="cannot extract the archive"):
        extract_zip(junk, tmp_path / "d2")


def test_a_plain_archive_with_links_inside_extracts(tmp_path):
    archive = tar_of(tmp_path / "ok.tgz", [
        ("dir", "package", b""), ("file", "package/index.html", b"<h1>hi</h1>"),
        ("sym", "package/home.html", "index.html"), ("lnk", "package/copy.html", "package/index.html"),
        ("file", "./package/sub2/x.txt", b"x"),
    ])
    names = extract_tar(archive, tmp_path / "out")
    app = tmp_path / "out" / "package"
    assert names[0] == "package" and (app / "home.html").read_bytes() == b"<h1>hi</h1>"
    assert (app / "home.html").is_symlink() and (app / "copy.html").read_bytes() == b"<h1>hi</h1>"
    assert (app / "sub2" / "x.txt").read_bytes() == b"x"
    zipped = zip_of(tmp_path / "ok.zip", [("file", "a/b.txt", b"b"), ("sym", "a/c.txt", "b.txt")])
    assert extract_zip(zipped, app) == ["a/b.txt", "a/c.txt"]
    assert (app / "a" / "c.txt").read_bytes() == b"b"
