"""`blocklet dev` without a server: the environment Blocklet Server would give (`env`), the
supervised process and hooks (`supervisor`), and the static web server of static blocklets (`static_server`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "DevPaths": "env",
    "DevSettings": "env",
    "compute_environment": "env",
    "RunSpec": "supervisor",
    "Supervisor": "supervisor",
    "serve_static": "static_server",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
