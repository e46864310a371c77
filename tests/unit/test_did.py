"""DIDs: every reference vector, validation, type decoding."""

from __future__ import annotations

import json

import pytest

from blocklet_cli.core.identity import did
from blocklet_cli.core.identity.wallet import Wallet


def load_vectors(fixtures_dir):
    return json.loads((fixtures_dir / "did-vectors.json").read_text(encoding="utf-8"))["vectors"]


def test_every_reference_vector(fixtures_dir):
    vectors = load_vectors(fixtures_dir)
    assert len(vectors) == 60
    mismatches = [(v["name"], did.to_blocklet_did(v["name"]), v["did"]) for v in vectors
                  if did.to_blocklet_did(v["name"]) != v["did"]]
    assert mismatches == []


def test_vectors_returned_unchanged_are_valid_dids(fixtures_dir):
    for vector in load_vectors(fixtures_dir):
        assert did.is_valid(vector["name"]) == vector["returnedUnchanged"], vector["name"]


def test_js_trim_not_python_strip():
    # U+FEFF is trimmed by JavaScript (and not by str.strip); U+001C the other way round.
    assert did.to_blocklet_did("\ufeffabc") == did.to_blocklet_did("abc")
    assert did.to_blocklet_did("\x1cabc") != did.to_blocklet_did("abc")


def test_known_values_from_the_reference():
    assert did.to_blocklet_did("my-blocklet") == "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB"
    assert did.to_blocklet_did("good-name") == "z8ia2ScgYq4kwiSF6T5LwAP8iAqBygeapxz7U"
    same_bytes_as_blocklet = did.from_public_key(b"my-blocklet", did.BLOCKLET_TYPE)
    assert same_bytes_as_blocklet == "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8"


@pytest.mark.parametrize("text", ["", "z", "zNotADid", "did:abt:", "0x12", "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EC"])
def test_invalid_dids(text):
    assert not did.is_valid(text)


def test_prefixes_and_hex_form():
    value = "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB"
    assert did.is_valid("did:abt:" + value)
    assert did.is_valid("did:abt:did:abt:" + value)
    assert not did.is_valid("did:abt:did:abt:did:abt:" + value)
    assert not did.is_valid("DID:ABT:" + value)
    hex_form = "0x" + did.decode(value).hex()
    assert did.is_valid(hex_form)
    assert did.to_blocklet_did(hex_form) == hex_form
    assert did.to_blocklet_did("did:abt:" + value) == "did:abt:" + value


def test_type_decoding():
    assert did.did_type("z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB").to_dict() == {
        "role": "ANY", "key": "ED25519", "hash": "SHA3"}
    assert did.did_type("z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8").role == did.ROLE_BLOCKLET
    wallet = Wallet.generate()
    assert wallet.address.startswith("z1")
    assert did.did_type(wallet.address).role_name == "ACCOUNT"
    assert did.is_blocklet_role(Wallet.generate(did.BLOCKLET_TYPE).address)


def test_ethereum_addresses():
    lower = "0x" + "ab" * 20
    assert did.is_valid(lower)
    assert did.did_type(lower).role == did.ROLE_ACCOUNT
    # EIP-55 checksum: the canonical example address, then one letter's case flipped.
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert did.is_valid(good)
    assert not did.is_valid(good.replace("aAeb", "aaeb"))
