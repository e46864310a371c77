"""Projects made by `blocklet init` pass the real `@blocklet/meta` 1.17.12 (meta and bundle paths)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blocklet_cli.core.identity import did as did_core
from tests.conftest import node_eval

# The two validation paths of @blocklet/meta (`parse` with `ensureFiles`, then `validateMeta`), run on a real
# project folder.
SCRIPT = r"""
const fs = require('fs');
const path = require('path');
const { parse } = require('@blocklet/meta/lib/parse');
const { hasReservedKey } = require('@blocklet/meta/lib/has-reserved-key');
const attempt = (fn) => {
  try { return { valid: true, meta: fn() }; } catch (e) { return { valid: false, error: e.message }; }
};
const out = {};
for (const dir of process.argv.slice(1)) {
  process.chdir(dir);
  const meta = attempt(() => parse('.', { ensureComponentStore: false }));
  const bundle = attempt(() => {
    const m = parse('.', { ensureFiles: true, schemaOptions: { stripUnknown: false } });
    if (hasReservedKey(m.environments)) throw new Error('reserved environment key');
    if (m.group === 'static') {
      const mainDir = path.join('.', m.main || '.');
      if (!fs.existsSync(path.join(mainDir, 'index.html'))) throw new Error(`Can not find index.html in ${mainDir}`);
    }
    return m;
  });
  out[dir] = { meta, bundle: { valid: bundle.valid, error: bundle.error } };
}
console.log(JSON.stringify(out));
"""


def test_every_group_and_did_type_is_valid_for_blocklet_meta(oracle_modules, cli, tmp_path: Path) -> None:
    projects: dict[str, tuple[str, str, list[str]]] = {}
    (tmp_path / "withpkg").mkdir()
    (tmp_path / "withpkg" / "package.json").write_text(json.dumps({
        "name": "@mara/ferry", "version": "2.3.4", "description": "Ferry times", "keywords": ["ferry", "harbor"],
        "author": "Mara Quinn <mara@example.com> (https://mara.example)", "repository": "github:mara/ferry"}))
    cases = [(group, did_type, []) for group in ("static", "dapp", "gateway") for did_type in ("name", "blocklet")]
    cases += [("static", "name", ["--main", ".", "--title", "Ferry: 'Times' #1"]), ("dapp", "name", ["--main",
              "src/server.js"])]
    for index, (group, did_type, extra) in enumerate(cases):
        folder = tmp_path / f"{group}-{did_type}-{index}"
        proc = cli("init", str(folder), "--yes", "--group", group, "--did-type", did_type, "--json", *extra)
        assert proc.returncode == 0, proc.stderr
        projects[str(folder)] = (group, did_type, extra)
    proc = cli("init", str(tmp_path / "withpkg"), "--yes", "--group", "dapp")
    assert proc.returncode == 0, proc.stderr
    projects[str(tmp_path / "withpkg")] = ("dapp", "name", [])

    done = node_eval(SCRIPT, oracle_modules, *projects)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for folder, (group, did_type, _extra) in projects.items():
        result = results[folder]
        assert result["meta"]["valid"], (folder, result["meta"].get("error"))
        assert result["bundle"]["valid"], (folder, result["bundle"].get("error"))
        meta = result["meta"]["meta"]
        assert meta["group"] == group
        assert did_core.is_blocklet_role(meta["did"]) == (did_type == "blocklet")
        if did_type == "name":
            assert meta["did"] == did_core.to_blocklet_did(meta["name"])
        else:
            assert meta["name"] == meta["did"]
    withpkg = results[str(tmp_path / "withpkg")]["meta"]["meta"]
    assert (withpkg["name"], withpkg["version"], withpkg["keywords"]) == ("ferry", "2.3.4", ["ferry", "harbor"])
    assert withpkg["author"] == {"name": "Mara Quinn", "email": "mara@example.com", "url": "https://mara.example"}
    assert withpkg["repository"] == {"type": "git", "url": "git+https://github.com/mara/ferry.git"}
    titled = next(r for f, r in results.items() if f.endswith("-6"))
    assert titled["meta"]["meta"]["title"] == "Ferry: 'Times' #1"


@pytest.mark.parametrize("group", ["static", "dapp", "gateway"])
def test_our_validator_agrees(cli, tmp_path: Path, group: str) -> None:
    folder = tmp_path / group
    assert cli("init", str(folder), "--yes", "--group", group).returncode == 0
    proc = cli("validate", str(folder), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
