"""DIDs, wallets and signatures: ArcBlock DIDs (`did`), key pairs in the reference's encodings
(`wallet`), and the signed `blocklet.json` (`signing`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "Wallet": "wallet",
    "decode_key": "wallet",
    "encode_z": "wallet",
    "is_valid": "did",
    "to_blocklet_did": "did",
    "sign_meta": "signing",
    "verify_meta": "signing",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
