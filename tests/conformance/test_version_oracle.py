"""`blocklet version` arithmetic agrees with npm `semver.inc` (semver 7, as npm itself uses)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from blocklet_cli.core.project import version as versioning
from tests.conftest import node_eval

SCRIPT = r"""
const semver = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(([v, r, id]) => semver.inc(v, r, id || undefined))));
"""

VERSIONS = ["0.0.0", "1.2.3", "1.0.0-0", "1.2.3-4", "1.2.0-4", "2.0.0-1", "1.2.3-alpha", "1.2.3-alpha.1",
            "1.2.3-alpha.0.beta", "1.2.3-beta.2", "1.2.3-1.alpha", "1.2.3-alpha.beta.2", "3.0.0-rc.1+build.7"]
PREIDS = [None, "alpha", "beta", "rc.1", "alpha.beta"]


def test_increment_agrees_with_npm_semver(oracle_modules: Path) -> None:
    semver7 = next((p.parent for p in sorted(oracle_modules.glob("**/node_modules/semver/package.json"))
                    if json.loads(p.read_text()).get("version", "").startswith("7.")), None)
    if semver7 is None:
        pytest.skip("no semver 7 among the oracle packages")
    cases = list(itertools.product(VERSIONS, versioning.KEYWORDS, PREIDS))
    done = node_eval(SCRIPT, oracle_modules, str(semver7), input=json.dumps(cases))
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    ours = [versioning.increment(v, r, p) for v, r, p in cases]
    mismatches = [(case, mine, theirs) for case, mine, theirs in zip(cases, ours, expected, strict=True)
                  if mine != theirs]
    assert mismatches == []
    assert len(cases) == 455
