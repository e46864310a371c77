"""Bundles checked by the real tools: `@blocklet/meta` parse with ensureFiles on every bundle folder,
validateMeta with ensureDist on the release blocklet.json, `@arcblock/ipfs-only-hash` for CIDs, and
Node itself starting a dapp from a bundle expanded the way Blocklet Server does."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from blocklet_cli.core.bundle import build_bundle
from blocklet_cli.core.bundle.cid import cid_of_bytes
from blocklet_cli.core.safe_extract import extract_tar, extract_zip
from tests.conftest import free_port, node_eval

pytestmark = pytest.mark.conformance

PARSE = """
const P = require('@blocklet/meta/lib/parse'); const parse = P.parse || P;
const { validateMeta } = require('@blocklet/meta/lib/validate');
const fs = require('fs');
const [bundle, release] = process.argv.slice(1);
const meta = parse(bundle, { ensureFiles: true });
const dist = validateMeta(JSON.parse(fs.readFileSync(release, 'utf8')), { ensureDist: true });
console.log(JSON.stringify({ name: meta.name, main: meta.main, screenshots: meta.screenshots, dist: dist.dist }));
"""


def oracle_check(oracle_modules: Path, result) -> dict:
    done = node_eval(PARSE, oracle_modules, str(result.bundle_dir), str(result.release_meta_path))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("project", "mode"), [
    ("static-site", None), ("static-site", "simple"), ("node-dapp", None), ("node-dapp", "simple"),
    ("monorepo/packages/app", None), ("monorepo/packages/app", "simple"),
])
def test_real_meta_parser_accepts_every_bundle(project_copy, oracle_modules: Path, project: str, mode) -> None:
    top = project_copy(project.split("/")[0])
    result = build_bundle(top / Path(*project.split("/")[1:]), mode=mode)
    checked = oracle_check(oracle_modules, result)
    assert checked["name"] == result.name
    assert checked["main"] == result.meta.get("main")
    assert checked["dist"]["integrity"] == result.release.integrity
    assert checked["dist"]["size"] == result.tarball.stat().st_size


def test_cids_match_ipfs_only_hash(oracle_modules: Path) -> None:
    if not (oracle_modules / "@arcblock" / "ipfs-only-hash").is_dir():
        pytest.skip("@arcblock/ipfs-only-hash not installed (scripts/install-test-deps.sh)")
    sizes = [0, 1, 3700, 262144, 262145, 700000, 174 * 262144, 174 * 262144 + 1]
    script = """
const { onlyHash } = require('@arcblock/ipfs-only-hash');
(async () => { const out = [];
  for (const n of JSON.parse(process.argv[1])) {
    const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 131 + 17) & 255; out.push(await onlyHash(b)); }
  console.log(JSON.stringify(out)); })();
"""
    done = node_eval(script, oracle_modules, json.dumps(sizes))
    assert done.returncode == 0, done.stderr
    period = bytes((i * 131 + 17) & 255 for i in range(256))  # the JS loop's byte at i repeats every 256
    ours = [cid_of_bytes((period * (n // 256 + 1))[:n]) for n in sizes]
    assert ours == json.loads(done.stdout)


def expand_like_the_server(result, into: Path) -> Path:
    """Unpack the release tarball, then blocklet.zip into the app folder (what Blocklet Server does)."""
    extract_tar(result.tarball, into)  # safe on every Python 3.10+ (no `filter=` needed)
    app = into / "package"
    if (app / "blocklet.zip").exists():
        extract_zip(app / "blocklet.zip", app)
    return app


def run_and_get(app: Path, port: int, path: str = "/") -> str:
    env = {"PATH": os.environ["PATH"], "BLOCKLET_PORT": str(port)}  # no NODE_PATH: only the bundle's modules
    process = subprocess.Popen(["node", "blocklet.js"], cwd=app, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                    return answer.read().decode()
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(f"node exited: {process.stderr.read()}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(("project", "expected"), [
    ("node-dapp", '"id":"09-40-east-pier-gull-island"'),
    ("monorepo/packages/app", "early-apple:12"),
])
def test_node_starts_the_expanded_bundle(project_copy, tmp_path: Path, project: str, expected: str) -> None:
    top = project_copy(project.split("/")[0], tmp_path / "src" / project.split("/")[0])
    result = build_bundle(top / Path(*project.split("/")[1:]))
    app = expand_like_the_server(result, tmp_path / "installed")
    assert not list(app.glob(".env*"))
    assert expected in run_and_get(app, free_port())
