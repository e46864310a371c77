"""The store signature of a release's metadata, byte for byte as the reference makes it.

Reference: ArcBlock/blocklet-server blocklet/store/src/utils/sign.ts (signing, as `blocklet upload` does it)
and blocklet/meta/src/verify-multi-sig.ts (the store's check). The message is
`json-stable-stringify` of the metadata with `signatures: [{type, name, signer, pk, created}]`
(keys sorted by UTF-16 code units at every level, no whitespace, `JSON.stringify` escaping and
number formatting); the signature is `@ocap/wallet` `sign` (Ed25519 over SHA3-256 of the UTF-8
message), encoded `z` + base58; `created` is ISO-8601 UTC with milliseconds. The store verifies it
with `@blocklet/meta` `verifyMultiSig`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

from blocklet_cli.core.errors import UsageError
from blocklet_cli.core.identity.wallet import Wallet, encode_z
from blocklet_cli.core.jsstr import js_utf8

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def js_string(text: str) -> str:
    """`JSON.stringify` of a string (non-ASCII raw, lone surrogates as `\\udXXX`)."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def js_number(value: int | float) -> str:
    """`JSON.stringify` of a number (`Number.prototype.toString`; NaN/Infinity → `null`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        value = float(value) if abs(value) >= 2**53 else value
        if isinstance(value, int):
            return str(value)
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "0"
    from decimal import Decimal

    sign = "-" if value < 0 else ""
    parsed = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, parsed.digits))
    point = len(digits) + int(parsed.exponent)  # JS "n": digits * 10^(point - k)
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    exponent = point - 1
    mantissa_text = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa_text}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def stable_stringify(value: Any) -> str:
    """`json-stable-stringify` (v1) of JSON-like data: sorted keys, compact, JS escaping."""
    return _stringify(value, sort=True)


def js_stringify(value: Any) -> str:
    """`JSON.stringify(value)`: compact, key order kept, JS escaping and number formatting."""
    return _stringify(value, sort=False)


def _stringify(value: Any, *, sort: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_stringify(item, sort=sort) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=_utf16_key) if sort else list(value)
        return "{" + ",".join(f"{js_string(key)}:{_stringify(value[key], sort=sort)}" for key in keys) + "}"
    raise UsageError(f"cannot serialise a value of type {type(value).__name__}")


def iso_now() -> str:
    """`new Date().toISOString()`: UTC, milliseconds, `Z`."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def signing_message(meta: dict[str, Any], stub: dict[str, Any]) -> bytes:
    """The exact bytes signed: stable JSON of the meta with `signatures: [stub]` (no `sig`)."""
    body = {key: value for key, value in meta.items() if key != "signatures"}
    body["signatures"] = [stub]
    return js_utf8(stable_stringify(body))


def sign_meta(meta: dict[str, Any], wallet: Wallet, *, created: str | None = None) -> dict[str, Any]:
    """Return a copy of `meta` with `signatures = [signature by wallet]` (the reference's `upload` step 7)."""
    stub = {
        "type": "ED25519",
        "name": meta.get("name"),
        "signer": wallet.address,
        "pk": encode_z(wallet.public_key),
        "created": created or iso_now(),
    }
    signature = wallet.sign(signing_message(meta, stub))
    signed = {key: value for key, value in meta.items() if key != "signatures"}
    signed["signatures"] = [{**stub, "sig": encode_z(signature)}]
    return signed


def verify_meta(meta: dict[str, Any]) -> bool:
    """Check the last-added (single) signature of a signed meta the way the store's verifier does."""
    from blocklet_cli.core.identity import wallet as wallet_core

    signatures = meta.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
        return False
    signature = dict(signatures[0])
    sig = signature.pop("sig", None)
    try:
        public_key = wallet_core.decode_key(signature.get("pk", ""))
        raw_sig = wallet_core.decode_key(sig or "")
    except UsageError:
        return False
    return wallet_core.verify(public_key, signing_message(meta, signature), raw_sig)
