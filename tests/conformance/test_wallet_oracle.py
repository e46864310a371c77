"""Our wallets agree with the real `@ocap/wallet` (addresses and signatures)."""

from __future__ import annotations

import json

from blocklet_cli.core.identity import did
from blocklet_cli.core.identity.wallet import Wallet
from tests.conftest import node_eval

SCRIPT = r"""
const { fromSecretKey, WalletType } = require('@ocap/wallet');
const { types } = require('@ocap/mcrypto');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const item of input) {
    const type = WalletType({ role: types.RoleType[item.role], pk: types.KeyType.ED25519, hash: types.HashType.SHA3 });
    const w = fromSecretKey(item.sk, type);
    const sig = await w.sign(Buffer.from(item.message, 'utf8'));
    const ok = await w.verify(Buffer.from(item.message, 'utf8'), item.ourSig);
    out.push({ address: w.address, sig: Buffer.from(sig.replace(/^0x/, ''), 'hex').toString('hex'), ok });
  }
  console.log(JSON.stringify(out));
})();
"""


def test_addresses_and_signatures_match_ocap_wallet(oracle_modules):
    cases = []
    for role, kind in (("ROLE_ACCOUNT", did.ACCOUNT_TYPE), ("ROLE_BLOCKLET", did.BLOCKLET_TYPE),
                       ("ROLE_APPLICATION", did.APPLICATION_TYPE)):
        for message in ("hello", "1700000000000-z1abc", '{"a":1,"ü":"✓"}'):
            wallet = Wallet.generate(kind)
            cases.append((wallet, {"role": role, "sk": wallet.secret_key_hex, "message": message,
                                   "ourSig": "0x" + wallet.sign(message.encode()).hex()}))
    done = node_eval(SCRIPT, oracle_modules, input=json.dumps([c for _, c in cases]))
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for (wallet, case), result in zip(cases, results, strict=True):
        assert result["address"] == wallet.address
        assert result["sig"] == wallet.sign(case["message"].encode()).hex()
        assert result["ok"] is True
