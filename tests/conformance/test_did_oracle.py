"""tests/fixtures/did-vectors.json (read by the unit and CLI DID tests) is what the real toBlockletDid of
@blocklet/meta 1.17.12 computes today (tests/oracles/did-vectors.js)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import ORACLE_SCRIPTS


def test_recorded_vectors_are_the_reference_results(oracle_modules: Path, fixtures_dir: Path,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "did-vectors.json"
    done = subprocess.run(["node", str(ORACLE_SCRIPTS / "did-vectors.js"), "--node-modules", str(oracle_modules),
                           "--out", str(out)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NODE_PATH": ""})
    assert done.returncode == 0, done.stderr
    fresh = json.loads(out.read_text(encoding="utf-8"))
    recorded = json.loads((fixtures_dir / "did-vectors.json").read_text(encoding="utf-8"))
    assert fresh["about"]["blockletMeta"] == recorded["about"]["blockletMeta"] == "1.17.12"
    assert len(recorded["vectors"]) == 60
    assert fresh["vectors"] == recorded["vectors"]
