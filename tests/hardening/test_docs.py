"""The README stays true to the code: the exit-code table is `ExitStatus`, and the environment table
names every variable the code reads."""

from __future__ import annotations

import re

from blocklet_cli.cli.errors import ExitStatus
from blocklet_cli.core.settings import all_env_vars
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
# what the code hands to the app's process (dev) or derives for it is not configuration
PROVIDED_TO_APPS = re.compile(r"^(BLOCKLET_(APP|DEV_|COMPONENT|REAL|MOUNT|DATA|LOG|CACHE|SHARE|PORT|MODE|DID)\w*"
                              r"|NODE_ENV|BROWSER_?|GIT_\w+|LC_ALL|ABT_NODE_\w+_FILE|PORT)$")


def test_exit_code_table_is_exit_status():
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (\w+) \|", section, re.MULTILINE)
    assert [(int(code), name) for code, name in rows] == [(int(s), s.name) for s in ExitStatus]


def code_env_vars() -> set[str]:
    found: set[str] = set()
    patterns = [r"environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\"", r"environ\[\"([A-Z][A-Z0-9_]+)\"\]",
                r"getenv\(\"([A-Z][A-Z0-9_]+)\"", r"envvar=\"([A-Z][A-Z0-9_]+)\"",
                r"^ENV_\w+ = \"([A-Z][A-Z0-9_]+)\"", r"_float_env\(\"([A-Z][A-Z0-9_]+)\"",
                r"\"\w+\": \"(BLOCKLET_[A-Z_]+)\",\s*$", r"\"([A-Z][A-Z0-9_]+)\" (?:not )?in os\.environ",
                r"\)\.get\(\"([A-Z][A-Z0-9_]+)\""]
    for path in (REPO / "blocklet_cli").rglob("*.py"):
        text = path.read_text()
        for pattern in patterns:
            found.update(re.findall(pattern, text, re.MULTILINE))
        for names in re.findall(r"^(?:CA_ENV_VARS|ENV_\w+) = \(([^)]*)\)", text, re.MULTILINE):
            found.update(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", names))
    return found | all_env_vars()  # the settings table (core/settings.py) names the rest


def test_every_variable_the_code_reads_is_documented():
    section = README.split("## Configuration and environment variables", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    read = {name for name in code_env_vars() if not PROVIDED_TO_APPS.match(name)}
    assert len(read) >= 20
    assert read - documented == set()
