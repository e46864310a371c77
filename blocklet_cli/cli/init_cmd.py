"""`blocklet init` (placeholder until its issue lands)."""

from __future__ import annotations

from blocklet_cli.cli.options import JsonOption


def init(json_output: JsonOption = False) -> None:
    """Not available yet."""
    from blocklet_cli.core.errors import UsageError

    raise UsageError("`blocklet init` is not available yet")
