"""Our release signature is what the store accepts: checked with the real npm packages
(`json-stable-stringify`, `@ocap/wallet` `fromPublicKey(...).verify`, `@blocklet/meta` `verifyMultiSig`)."""

from __future__ import annotations

import json

from blocklet_cli.core.identity import signing
from blocklet_cli.core.identity.wallet import Wallet
from tests.conftest import node_eval

SCRIPT = r"""
const stringify = require('json-stable-stringify');
const { fromPublicKey } = require('@ocap/wallet');
const { toTypeInfo } = require('@arcblock/did');
const { verifyMultiSig } = require('@blocklet/meta/lib/verify-multi-sig');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const signed of input) {
    const { signatures, ...meta } = signed;
    const { sig, ...stub } = signatures[0];
    const message = stringify({ ...meta, signatures: [stub] });
    const wallet = fromPublicKey(stub.pk, toTypeInfo(stub.signer));
    out.push({ message, address: wallet.address, verified: await wallet.verify(message, sig),
               multiSig: await verifyMultiSig(signed) });
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""

METAS = [
    {"name": "z2qaDtd6LsJveK2f9iyc8e5AXNuErb8YVhaRZ", "did": "z2qaDtd6LsJveK2f9iyc8e5AXNuErb8YVhaRZ",
     "version": "1.2.3", "title": "Static Démo ✓", "description": "quote \" and \\ and \n newline",
     "group": "static", "main": ".", "keywords": ["a", "b"], "capabilities": {"navigation": True},
     "interfaces": [{"type": "web", "name": "publicUrl", "path": "/", "prefix": "*", "port": "BLOCKLET_PORT"}],
     "payment": {"price": [], "share": []}, "stats": {"downloads": 0, "ratio": 0.1, "big": 1e21},
     "environments": [], "dist": {"tarball": "static-1.2.3.tgz", "integrity": "sha512-abc=", "size": 5219}},
    {"name": "legacy", "did": "z8ia…", "version": "0.1.0", "Zeta": 1, "alpha": None, "ünï": "名前",
     "\U0001f600": "emoji key", "\uff61": "half-width", "dist": {"tarball": "x.tgz"}},
]


def test_signature_matches_json_stable_stringify_ocap_wallet_and_verify_multi_sig(oracle_modules):
    wallets = [Wallet.generate(), Wallet.generate()]
    signed = [signing.sign_meta(meta, wallet) for meta, wallet in zip(METAS, wallets, strict=True)]
    done = node_eval(SCRIPT, oracle_modules, input=json.dumps(signed, ensure_ascii=False))
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for item, wallet, result in zip(signed, wallets, results, strict=True):
        stub = {k: v for k, v in item["signatures"][0].items() if k != "sig"}
        assert result["message"].encode() == signing.signing_message(item, stub)
        assert result["address"] == wallet.address
        assert result["verified"] is True
        assert result["multiSig"] is True


def test_a_changed_meta_fails_the_store_verifier(oracle_modules):
    signed = signing.sign_meta(METAS[0], Wallet.generate())
    changed = {**signed, "version": "9.9.9"}
    done = node_eval(SCRIPT, oracle_modules, input=json.dumps([changed]))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["multiSig"] is False
