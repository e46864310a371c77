"""ABT DIDs: derive a Blocklet DID from a name, validate DIDs and decode their type.

Reference: `toBlockletDid` in ArcBlock/blocklet-server blocklet/meta/src/did.ts, and npm `@arcblock/did` (`isValid`,
`fromPublicKey`).
A DID is ``"z" + base58btc(type(2) || hash(pk)[0:20] || checksum(4))``; the type packs the role
(6 bits), key type (5 bits) and hash type (5 bits) big-endian.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import base58

from blocklet_cli.core.jsstr import js_trim, js_utf8

ROLES: dict[int, str] = {
    0: "ACCOUNT", 1: "NODE", 2: "DEVICE", 3: "APPLICATION", 4: "SMART_CONTRACT", 5: "BOT", 6: "ASSET",
    7: "STAKE", 8: "VALIDATOR", 9: "GROUP", 10: "TX", 11: "TETHER", 12: "SWAP", 13: "DELEGATION",
    14: "VC", 15: "BLOCKLET", 16: "STORE", 17: "TOKEN", 18: "FACTORY", 19: "ROLLUP", 20: "STORAGE",
    63: "ANY",
}
KEYS: dict[int, str] = {0: "ED25519", 1: "SECP256K1", 2: "ETHEREUM"}
HASHES: dict[int, str] = {
    0: "KECCAK", 1: "SHA3", 2: "KECCAK_384", 3: "SHA3_384", 4: "KECCAK_512", 5: "SHA3_512", 6: "SHA2",
}

ROLE_ACCOUNT = 0
ROLE_APPLICATION = 3
ROLE_BLOCKLET = 15
ROLE_ANY = 63
KEY_ED25519 = 0
HASH_SHA3 = 1

_METHOD_PREFIX = re.compile(r"^did:[a-z0-9]+:")
_ETH_ADDRESS = re.compile(r"^(0x)?([0-9a-fA-F]{40})$")
_HEX = re.compile(r"^0x([0-9a-fA-F]*)$")


def _keccak(bits: int) -> Callable[[bytes], bytes]:
    def digest(data: bytes) -> bytes:
        from Crypto.Hash import keccak  # lazy: only legacy hash types need it

        return keccak.new(digest_bits=bits, data=data).digest()

    return digest


_HASHERS: dict[int, Callable[[bytes], bytes]] = {
    0: _keccak(256),
    1: lambda data: hashlib.sha3_256(data).digest(),
    2: _keccak(384),
    3: lambda data: hashlib.sha3_384(data).digest(),
    4: _keccak(512),
    5: lambda data: hashlib.sha3_512(data).digest(),
    6: lambda data: hashlib.sha256(data).digest(),
}


@dataclass(frozen=True)
class DidType:
    """The decoded type bits of a DID."""

    role: int
    key: int
    hash: int

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, f"ROLE_{self.role}")

    @property
    def key_name(self) -> str:
        return KEYS.get(self.key, f"KEY_{self.key}")

    @property
    def hash_name(self) -> str:
        return HASHES.get(self.hash, f"HASH_{self.hash}")

    def to_bytes(self) -> bytes:
        return ((self.role << 10) | (self.key << 5) | self.hash).to_bytes(2, "big")

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role_name, "key": self.key_name, "hash": self.hash_name}


BLOCKLET_NAME_TYPE = DidType(ROLE_ANY, KEY_ED25519, HASH_SHA3)
BLOCKLET_TYPE = DidType(ROLE_BLOCKLET, KEY_ED25519, HASH_SHA3)
ACCOUNT_TYPE = DidType(ROLE_ACCOUNT, KEY_ED25519, HASH_SHA3)
APPLICATION_TYPE = DidType(ROLE_APPLICATION, KEY_ED25519, HASH_SHA3)


def strip_prefix(did: str) -> str:
    """Remove one leading ``did:<method>:`` prefix."""
    return _METHOD_PREFIX.sub("", did, count=1)


def _is_eth_address(text: str) -> bool:
    match = _ETH_ADDRESS.match(text)
    if not match:
        return False
    body = match.group(2)
    if body == body.lower() or body == body.upper():
        return True
    digest = _keccak(256)(body.lower().encode()).hex()
    return all(
        (ch.upper() if int(digest[i], 16) >= 8 else ch.lower()) == ch for i, ch in enumerate(body)
    )


def _decode(text: str) -> bytes:
    """Raw DID bytes of a (prefix-stripped) DID in base58 (`z…`) or hex (`0x…`) form."""
    hex_match = _HEX.match(text)
    if hex_match:
        return bytes.fromhex(hex_match.group(1))
    text = strip_prefix(text)
    if not text.startswith("z") or len(text) < 2:
        raise ValueError("not a base58btc multibase string")
    return base58.b58decode(text[1:])


def decode(did: str) -> bytes:
    """The 26 raw bytes of a valid DID (raises ValueError otherwise)."""
    if not is_valid(did):
        raise ValueError(f"{did!r} is not a valid DID")
    raw = _decode(strip_prefix(did))
    return raw.rjust(26, b"\0")[:26]


def is_valid(did: object) -> bool:
    """`@arcblock/did` `isValid`: a checksum-correct DID, with or without a `did:<method>:` prefix."""
    if not did or not isinstance(did, str):
        return False
    text = strip_prefix(did)
    if _is_eth_address(text):
        return True
    try:
        raw = _decode(text)
    except ValueError:
        return False
    raw = raw.rjust(26, b"\0")
    hash_type = raw[1] & 0x1F
    hasher = _HASHERS.get(hash_type)
    if hasher is None:
        return False
    return hasher(raw[:22])[:4] == raw[22:26]


def is_eth_address(did: str) -> bool:
    """True for an Ethereum-style address DID (which has role ACCOUNT)."""
    return _is_eth_address(strip_prefix(did))


def did_type(did: str) -> DidType:
    """Decode the type bits of a valid DID (Ethereum addresses are ACCOUNT/ETHEREUM/KECCAK)."""
    if is_eth_address(did):
        return DidType(ROLE_ACCOUNT, 2, 0)
    raw = decode(did)
    return DidType(raw[0] >> 2, ((raw[0] & 0x03) << 3) | (raw[1] >> 5), raw[1] & 0x1F)


def is_blocklet_role(did: object) -> bool:
    """True when `did` is a valid DID whose role is BLOCKLET (a "new-style" blocklet DID)."""
    return isinstance(did, str) and is_valid(did) and did_type(did).role == ROLE_BLOCKLET


def role_of(did: object) -> int | None:
    """Role bits of a DID-shaped string (checksum not checked), None when it does not decode."""
    if not isinstance(did, str) or not did:
        return None
    text = strip_prefix(did)
    if _is_eth_address(text):
        return ROLE_ACCOUNT
    try:
        raw = _decode(text).rjust(26, b"\0")
    except ValueError:
        return None
    return raw[0] >> 2


def from_public_key(public_key: bytes, did_kind: DidType = ACCOUNT_TYPE) -> str:
    """DID of a public key (or of any bytes used as one) with the given type."""
    hasher = _HASHERS[did_kind.hash]
    body = did_kind.to_bytes() + hasher(public_key)[:20]
    return "z" + base58.b58encode(body + hasher(body)[:4]).decode("ascii")


def to_blocklet_did(name: str) -> str:
    """`toBlockletDid`: a valid DID comes back unchanged; any other name is hashed (JS trim, UTF-8)."""
    if is_valid(name):
        return name
    return from_public_key(js_utf8(js_trim(name)), BLOCKLET_NAME_TYPE)


def describe(did: str) -> dict[str, Any]:
    """A JSON-ready description of a DID: validity, canonical form and type."""
    if not is_valid(did):
        return {"did": did, "valid": False}
    kind = did_type(did)
    return {"did": did, "valid": True, **kind.to_dict()}
