"""IPFS CIDv0 of a file, as `ipfs add --only-hash` computes it (reference: ArcBlock/blocklet-server
core/cli/lib/commands/blocklet/bundle/bundlers/screenshots.js, which uses npm `@arcblock/ipfs-only-hash`).

ipfs-unixfs-importer 9 defaults: fixed 256 KiB chunks, balanced layout with at most 174 links per
node, leaves are dag-pb nodes holding unixfs `file` data (no raw leaves), sha2-256, a single chunk is
its own root. The file is read once, in chunks; memory stays bounded by one chunk plus one hash per
chunk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import base58

CHUNK_SIZE = 262144
MAX_LINKS = 174


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _unixfs_file(data: bytes, filesize: int, blocksizes: list[int] | tuple[int, ...] = ()) -> bytes:
    message = _field_varint(1, 2)
    if data:
        message += _field_bytes(2, data)
    message += _field_varint(3, filesize)
    for size in blocksizes:
        message += _field_varint(4, size)
    return message


class _Node:
    """A dag-pb block already encoded: its multihash, its file size and its cumulative size."""

    __slots__ = ("filesize", "multihash", "tsize")

    def __init__(self, block: bytes, filesize: int, descendants: int = 0) -> None:
        self.multihash = b"\x12\x20" + hashlib.sha256(block).digest()
        self.filesize = filesize
        self.tsize = len(block) + descendants


def _leaf(chunk: bytes) -> _Node:
    return _Node(_field_bytes(1, _unixfs_file(chunk, len(chunk))), len(chunk))


def _parent(children: list[_Node]) -> _Node:
    links = b"".join(
        _field_bytes(2, _field_bytes(1, child.multihash) + _field_bytes(2, b"") + _field_varint(3, child.tsize))
        for child in children
    )
    filesize = sum(child.filesize for child in children)
    block = links + _field_bytes(1, _unixfs_file(b"", filesize, [child.filesize for child in children]))
    return _Node(block, filesize, sum(child.tsize for child in children))


def _root(leaves: list[_Node]) -> _Node:
    if len(leaves) == 1:
        return leaves[0]  # reduceSingleLeafToSelf
    level = leaves
    while True:
        level = [_parent(level[i:i + MAX_LINKS]) for i in range(0, len(level), MAX_LINKS)]
        if len(level) == 1:
            return level[0]


def cid_of_chunks(chunks) -> str:
    """CIDv0 of the concatenation of `chunks` (an iterable of bytes, any sizes)."""
    leaves: list[_Node] = []
    pending = bytearray()
    for piece in chunks:
        view = memoryview(piece)
        while view:
            take = min(CHUNK_SIZE - len(pending), len(view))
            pending += view[:take]
            view = view[take:]
            if len(pending) == CHUNK_SIZE:
                leaves.append(_leaf(bytes(pending)))
                pending.clear()
    if pending or not leaves:
        leaves.append(_leaf(bytes(pending)))
    return base58.b58encode(_root(leaves).multihash).decode("ascii")


def cid_of_bytes(data: bytes) -> str:
    """CIDv0 of `data`."""
    return cid_of_chunks([data])


def cid_of_file(path: Path) -> str:
    """CIDv0 of a file's content, read in chunk-sized pieces."""
    with open(path, "rb") as handle:
        return cid_of_chunks(iter(lambda: handle.read(CHUNK_SIZE), b""))
