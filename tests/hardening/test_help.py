"""Every command and subcommand explains itself: `--help` exits 0 with a summary and an `Examples:` block
whose lines are real `blocklet` invocations of that command."""

from __future__ import annotations

import pytest

from blocklet_cli.cli import app as cli_app
from tests.hardening.test_fuzz import TREE


@pytest.mark.parametrize("path", sorted(TREE))
def test_help_has_examples(path: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as done:
        cli_app.main([*path.split(), "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "Examples:" in out, f"`blocklet {path} --help` has no Examples: block"
    block = out.split("Examples:", 1)[1]
    for heading in ("Arguments:", "Options:", "Commands:"):
        block = block.split(f"\n{heading}", 1)[0]
    commands = [line.strip() for line in block.splitlines() if "blocklet " in line]
    assert commands, out
    assert all(f"blocklet {path.split()[0]}" in line and path.split()[-1] in line.split() for line in commands) \
        if path else commands, commands
