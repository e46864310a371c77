"""`blocklet publish` (placeholder until its issue lands)."""

from __future__ import annotations

from blocklet_cli.cli.options import JsonOption


def publish(json_output: JsonOption = False) -> None:
    """Not available yet."""
    from blocklet_cli.core.errors import UsageError

    raise UsageError("`blocklet publish` is not available yet")
