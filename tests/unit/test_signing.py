"""core/identity/signing.py: json-stable-stringify bytes and the store signature of a release."""

from __future__ import annotations

import hashlib
import re

import pytest

from blocklet_cli.core.identity import signing
from blocklet_cli.core.identity.wallet import Wallet, decode_key, encode_z

META = {"name": "z2qa…", "did": "z2qaDtd6LsJveK2f9iyc8e5AXNuErb8YVhaRZ", "version": "1.0.0", "title": "Démo ✓",
        "dist": {"tarball": "demo-1.0.0.tgz", "integrity": "sha512-x", "size": 137},
        "signatures": [{"old": "dropped"}]}


def test_keys_sort_by_utf16_code_units_not_code_points():
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF61 in UTF-16 (JS) order
    assert signing.stable_stringify({"\uff61": 1, "\U0001f600": 2, "b": 3, "B": 4}) == '{"B":4,"b":3,"😀":2,"｡":1}'


def test_nested_compact_with_js_escaping_and_numbers():
    value = {"z": [1, 2.5, 1e21, 1e-7, 100.0, True, None], "a": {"y": "line\nquote\"\u0001", "x": "é"}}
    assert signing.stable_stringify(value) == (
        '{"a":{"x":"é","y":"line\\nquote\\"\\u0001"},"z":[1,2.5,1e+21,1e-7,100,true,null]}')


def test_js_stringify_keeps_key_order():
    assert signing.js_stringify({"b": 1, "a": [{"d": 1, "c": 2}]}) == '{"b":1,"a":[{"d":1,"c":2}]}'


def test_created_is_iso_8601_utc_with_milliseconds():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", signing.iso_now())


def test_sign_meta_replaces_signatures_with_one_signature_of_the_stable_json():
    wallet = Wallet.generate()
    signed = signing.sign_meta(META, wallet, created="2024-01-02T03:04:05.678Z")
    assert list(signed)[-1] == "signatures"
    stub = {"type": "ED25519", "name": META["name"], "signer": wallet.address, "pk": encode_z(wallet.public_key),
            "created": "2024-01-02T03:04:05.678Z"}
    sig = signed["signatures"][0].pop("sig")
    assert signed["signatures"] == [stub]
    body = {k: v for k, v in META.items() if k != "signatures"}
    message = signing.stable_stringify({**body, "signatures": [stub]}).encode()
    assert message.startswith(b'{"did":"z2qa') and b'"signatures":[{"created":"2024' in message
    from nacl.signing import VerifyKey

    VerifyKey(wallet.public_key).verify(hashlib.sha3_256(message).digest(), decode_key(sig))
    assert META["signatures"] == [{"old": "dropped"}]  # the input is not changed


def test_verify_meta_accepts_ours_and_rejects_any_change():
    signed = signing.sign_meta(META, Wallet.generate())
    assert signing.verify_meta(signed)
    assert not signing.verify_meta({**signed, "version": "1.0.1"})
    tampered = {**signed, "signatures": [{**signed["signatures"][0], "created": "2000-01-01T00:00:00.000Z"}]}
    assert not signing.verify_meta(tampered)
    assert not signing.verify_meta({**signed, "signatures": []})


def test_unsupported_values_are_a_usage_error():
    with pytest.raises(Exception, match="cannot serialise a value of type bytes"):
        signing.stable_stringify({"a": b"x"})
