"""Wallets: key formats, addresses, signatures."""

from __future__ import annotations

import pytest

from blocklet_cli.core.errors import UsageError
from blocklet_cli.core.identity import did
from blocklet_cli.core.identity.wallet import Wallet, decode_key, encode_z, verify


def test_round_trip_of_secret_key_formats():
    wallet = Wallet.generate()
    assert Wallet.from_secret_key(wallet.secret_key_hex) == wallet
    assert Wallet.from_secret_key(wallet.secret_key_hex[2:]) == wallet
    assert Wallet.from_secret_key("0x" + wallet.seed.hex()) == wallet
    assert decode_key(encode_z(wallet.public_key)) == wallet.public_key


def test_sign_and_verify():
    wallet = Wallet.generate()
    signature = wallet.sign(b"message")
    assert len(signature) == 64
    assert wallet.verify(b"message", signature)
    assert not verify(wallet.public_key, b"other", signature)


def test_inconsistent_or_short_secret_is_refused_without_echoing_it():
    wallet = Wallet.generate()
    forged = "0x" + wallet.seed.hex() + Wallet.generate().public_key.hex()
    with pytest.raises(UsageError) as info:
        Wallet.from_secret_key(forged)
    assert wallet.seed.hex() not in str(info.value)
    with pytest.raises(UsageError):
        Wallet.from_secret_key("0x1234")
    with pytest.raises(UsageError):
        Wallet.from_secret_key("not a key")


def test_repr_hides_the_seed_and_json_has_the_reference_shape():
    wallet = Wallet.generate(did.BLOCKLET_TYPE)
    assert wallet.seed.hex() not in repr(wallet)
    data = wallet.to_json()
    assert data["type"] == {"role": "ROLE_BLOCKLET", "pk": "ED25519", "hash": "SHA3", "address": "BASE58"}
    assert data["address"] == wallet.address and data["address"].startswith("z2")
    assert data["sk"] == wallet.secret_key_hex
