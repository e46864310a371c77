"""Components of a blocklet: resolving and verifying the component tree against stores
(`resolve`, with the answer cache `cache`), and adding/removing them in blocklet.yml (`add`, `edit`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "DEFAULT_STORE": "resolve",
    "normalize_store": "resolve",
    "store_meta_url": "resolve",
    "verify_tree": "resolve",
    "add_to_project": "add",
    "parse_spec": "add",
    "remove_from_project": "add",
    "ComponentCache": "cache",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
