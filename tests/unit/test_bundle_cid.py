"""CIDv0 of screenshots (as npm `@arcblock/ipfs-only-hash` computes them for the reference's bundle)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklet_cli.core.bundle.cid import CHUNK_SIZE, MAX_LINKS, cid_of_bytes, cid_of_chunks, cid_of_file


def pattern(size: int) -> bytes:
    period = bytes((i * 31 + 7) & 255 for i in range(256))  # the byte at i repeats every 256
    return (period * (size // 256 + 1))[:size]


def test_empty_file_has_the_well_known_cid() -> None:
    assert cid_of_bytes(b"") == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"


def test_fixture_screenshots_match_the_reference_names(fixtures_dir: Path) -> None:
    # static-site/EXPECTED.md: names the reference CLI gave these two screenshots
    shots = fixtures_dir / "projects" / "static-site" / "screenshots"
    assert cid_of_file(shots / "home.png") == "Qme6xmqGvL3UtT1ecnaJTULmwdBT5TGZNdAyEbTxTVrtj8"
    assert cid_of_file(shots / "schedule.png") == "QmVnmRLgek7xSWSwzPTu1UgeqLNfSTYozStWAdcTPgqBr8"


# Vectors computed with @arcblock/ipfs-only-hash 0.0.2 (the reference's library) on pattern(size).
@pytest.mark.parametrize(("size", "cid"), [
    (CHUNK_SIZE, "QmVV5RrHAR5ZerjbGLJSDXCBjkiR1DraddGdvKRAowDJvA"),  # exactly one chunk
    (CHUNK_SIZE + 1, "QmS7fy4bE586ZCgYuxrdNEhggP1Cm5FBuZaqmgtfSqFizr"),  # two leaves under one root
    (700000, "QmUF7UPXHjLt3mGZvhCztT6WVYGJYiTWBYcnj4EhWqPKLm"),
    (175 * CHUNK_SIZE + 5, "QmeCMejtgSEf5d3pCSbpQfD64v963HVT6kbJghPKVruowj"),  # > 174 leaves: two levels
])
def test_multi_chunk_files_match_the_js_importer(size: int, cid: str) -> None:
    assert cid_of_bytes(pattern(size)) == cid


def test_chunking_does_not_depend_on_how_the_bytes_arrive(tmp_path: Path) -> None:
    data = pattern(3 * CHUNK_SIZE + 123)
    pieces = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert cid_of_chunks(pieces) == cid_of_bytes(data) == cid_of_file(path)
    assert MAX_LINKS == 174
