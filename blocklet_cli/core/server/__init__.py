"""Blocklet Server: its GraphQL API and signed requests (`client`), access keys (`access_keys`), and
`blocklet deploy` (`deploy`: plan offline, then install or upgrade the component).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "AccessKey": "client",
    "discover_endpoint": "client",
    "load_access_key": "access_keys",
    "DeployPlan": "deploy",
    "plan_deploy": "deploy",
    "run_deploy": "deploy",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
