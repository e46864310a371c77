"""A blocklet project on disk: loading it (`model`), creating it (`init`), its version (`version`),
in-place edits of files users own (`edit`), git (`git`) and dotenv files (`dotenv`).
"""

from blocklet_cli.core.lazy import exports

_PUBLIC = {
    "Project": "model",
    "load_project": "model",
    "bump": "version",
    "parse_version": "version",
    "project_environ": "dotenv",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = exports(__name__, _PUBLIC)
