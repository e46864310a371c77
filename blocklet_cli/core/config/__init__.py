"""Configuration profiles: the reference's `blocklet.ini` (`profiles`, written with npm `ini`
semantics by `ini`). Which variable or flag overrides a key is the settings table (`core.settings`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "ConfigFile": "profiles",
    "mask": "profiles",
    "resolve": "profiles",
    "validate_value": "profiles",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
