"""Blocklet Stores: publishing a signed release (`publish`: to an HTTP store through `upload`, or to
a static file store through `filestore`) and getting an access token with DID Connect (`connect`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "Release": "publish",
    "load_release": "publish",
    "plan": "publish",
    "execute": "publish",
    "normalise_store_url": "connect",
    "is_file_store": "filestore",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
