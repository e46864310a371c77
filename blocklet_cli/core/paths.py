"""Every folder the tool reads or writes outside a project, decided in one place.

* The reference's home (`ABT_NODE_HOME`): `$ABT_NODE_CUSTOM_DATA_DIR` (resolved) when set, else
  `~/.arcblock`; it holds `blocklet.ini` (config profiles) and `access-key.ini` (deploy keys), files
  shared with the reference CLI (ArcBlock/blocklet-server core/cli/lib/util/index.js).
* Random Blocklet wallets: `$ABT_NODE_CUSTOM_DATA_DIR/blocklets` when set (where the reference's
  tools find them), else `<user config dir>/blocklet/blocklets`.
* Our own files, in the platform's folders (platformdirs; `$XDG_*_HOME` on Linux): the component
  cache (`<user cache dir>/blocklet/components`), the local publisher key of file stores
  (`<user config dir>/blocklet/publisher-key.json`), the dev folders and the dev host's node wallet
  (`<user data dir>/blocklet/dev`).
"""

from __future__ import annotations

import os
from pathlib import Path

from blocklet_cli.core.settings import BY_NAME

APP = "blocklet"
CUSTOM_DATA_DIR_ENV = BY_NAME["dataDir"].env_vars[0]


def abt_node_home() -> Path:
    """`$ABT_NODE_CUSTOM_DATA_DIR` (resolved) if set, else `~/.arcblock` (the reference's ABT_NODE_HOME)."""
    custom = os.environ.get(CUSTOM_DATA_DIR_ENV)
    if custom:
        return Path(custom).expanduser().resolve()
    return Path.home() / ".arcblock"


def config_file() -> Path:
    """The config profiles (`blocklet.ini`)."""
    return abt_node_home() / "blocklet.ini"


def access_key_file() -> Path:
    """The deploy access keys (`access-key.ini`, one section per app DID)."""
    return abt_node_home() / "access-key.ini"


def wallets_dir() -> Path:
    """Where random Blocklet wallets are saved."""
    custom = os.environ.get(CUSTOM_DATA_DIR_ENV)
    if custom:
        return Path(custom) / "blocklets"
    return user_config_dir() / "blocklets"


def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP)


def publisher_key_file() -> Path:
    """The per-user local publisher key for file stores (mode 0600)."""
    return user_config_dir() / "publisher-key.json"


def components_cache_dir() -> Path:
    """The cache of component metadata answers (`blocklet add --offline`, `dev --offline`)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP) / "components"


def dev_root() -> Path:
    """Where dev folders live: the user data dir (never inside the project, never bundled)."""
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False) / "dev"


def node_wallet_file() -> Path:
    """The dev host's "node" key, shared by every project of this user."""
    return dev_root() / "node-wallet.json"
