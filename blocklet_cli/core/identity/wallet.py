"""Ed25519 wallets as ArcBlock's `@ocap/wallet` uses them: key formats, the DID of a key, sign/verify.

Reference: npm `@ocap/wallet` (`fromSecretKey`, `sign`, `toJSON`): a secret key is 64 bytes, `0x…` hex =
seed(32) || pk(32); the wallet JSON is `{type, sk, pk, address, method}`; `wallet.sign` hashes the message with
SHA3-256 and signs the 32-byte digest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import base58

from blocklet_cli.core.errors import UsageError
from blocklet_cli.core.identity import did as did_core

_HEX = re.compile(r"^(0x)?([0-9a-fA-F]+)$")


def encode_z(data: bytes) -> str:
    """Multibase base58btc: ``"z" + base58(data)``."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_key(value: str | bytes) -> bytes:
    """Bytes of a key given as raw bytes, `0x`/plain hex, or `z`+base58."""
    if isinstance(value, bytes):
        return value
    text = value.strip()
    match = _HEX.match(text)
    if match and len(match.group(2)) % 2 == 0:
        return bytes.fromhex(match.group(2))
    if text.startswith("z"):
        try:
            return base58.b58decode(text[1:])
        except ValueError:
            pass
    raise UsageError("a key must be hex (0x…) or base58 (z…)")


@dataclass(frozen=True)
class Wallet:
    """An Ed25519 key pair with the DID type used to derive its address."""

    seed: bytes
    public_key: bytes
    did_type: did_core.DidType = did_core.ACCOUNT_TYPE

    def __repr__(self) -> str:  # never show the seed
        return f"Wallet(address={self.address!r}, type={self.did_type.to_dict()})"

    @classmethod
    def generate(cls, did_type: did_core.DidType = did_core.ACCOUNT_TYPE) -> Wallet:
        from nacl.signing import SigningKey

        key = SigningKey.generate()
        return cls(bytes(key), bytes(key.verify_key), did_type)

    @classmethod
    def from_seed(cls, seed: bytes, did_type: did_core.DidType = did_core.ACCOUNT_TYPE) -> Wallet:
        from nacl.signing import SigningKey

        if len(seed) != 32:
            raise UsageError(f"an Ed25519 seed has 32 bytes, got {len(seed)}")
        return cls(seed, bytes(SigningKey(seed).verify_key), did_type)

    @classmethod
    def from_secret_key(cls, secret: str | bytes,
                        did_type: did_core.DidType = did_core.ACCOUNT_TYPE) -> Wallet:
        """From a 64-byte secret key (seed || pk, as `0x…` hex) or a 32-byte seed.

        The error never repeats the value (it is a secret)."""
        try:
            raw = decode_key(secret)
        except UsageError:
            raise UsageError("the secret key is not hex (0x…) or base58 (z…)") from None
        if len(raw) == 64:
            wallet = cls.from_seed(raw[:32], did_type)
            if wallet.public_key != raw[32:]:
                raise UsageError("the secret key is inconsistent: its public half does not match its seed")
            return wallet
        if len(raw) == 32:
            return cls.from_seed(raw, did_type)
        raise UsageError(f"a secret key has 64 bytes (or a 32-byte seed), got {len(raw)}")

    @property
    def secret_key(self) -> bytes:
        return self.seed + self.public_key

    @property
    def secret_key_hex(self) -> str:
        return "0x" + self.secret_key.hex()

    @property
    def public_key_hex(self) -> str:
        return "0x" + self.public_key.hex()

    @property
    def address(self) -> str:
        """The DID of this key (without the `did:abt:` prefix)."""
        return did_core.from_public_key(self.public_key, self.did_type)

    def sign(self, message: bytes) -> bytes:
        """`@ocap/wallet` sign: Ed25519 over SHA3-256(message); 64-byte signature."""
        from nacl.signing import SigningKey

        return SigningKey(self.seed).sign(hashlib.sha3_256(message).digest()).signature

    def verify(self, message: bytes, signature: bytes) -> bool:
        return verify(self.public_key, message, signature)

    def to_json(self) -> dict[str, Any]:
        """The wallet JSON the reference saves (`create --did-only --random`); contains the secret."""
        kind = self.did_type
        return {
            "type": {"role": f"ROLE_{kind.role_name}", "pk": kind.key_name, "hash": kind.hash_name,
                     "address": "BASE58"},
            "sk": self.secret_key_hex,
            "pk": self.public_key_hex,
            "address": self.address,
            "method": "abt",
        }


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Check an `@ocap/wallet` signature (Ed25519 over SHA3-256 of the message)."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(public_key).verify(hashlib.sha3_256(message).digest(), signature)
        return True
    except (BadSignatureError, ValueError):
        return False
