"""`blocklet migrate` of legacy projects against the reference's own migration and today's parser.

For each legacy fixture (tests/fixtures/legacy): the first-generation migration, `abtnode blocklet:migrate` of
npm @abtnode/cli 1.7.7 on @blocklet/meta 1.7.7 (legacy_migrate_oracle.js), and our replay of it
(`legacy.to_spec_102`) write the same document; the current @blocklet/meta 1.17.12 accepts the blocklet.yml we
write (parse with ensureFiles, as `blocklet bundle` does) and reads from it what it reads from the reference's
output, apart from the values the old migration lost (listed per fixture below)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from blocklet_cli.core.meta import legacy
from blocklet_cli.core.project.migrate import apply_migration, plan_migration
from tests.conftest import CACHE, node_eval

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"
LEGACY_ORACLES = Path(os.environ.get("BLOCKLET_LEGACY_ORACLES", CACHE / "legacy-oracles"))
DRIVER = Path(__file__).with_name("legacy_migrate_oracle.js")
LEGACY_FIXTURES = ["seed-blocklet-json", "seed-package-field", "seed-array-env", "every-key", "both-sources"]

# What the old migration lost or filled in that we carry differently (top-level keys of the parsed result).
DIFFERENT = {
    "seed-blocklet-json": set(),  # the reference fails on it (see test_seed_object_form)
    "seed-package-field": {"interfaces", "logo"},  # dynamicPathPrefix: false → prefix '/'
    "seed-array-env": {"logo"},
    "both-sources": {"interfaces", "logo"},  # exposeServices → a service interface
    "every-key": {"interfaces", "scripts", "files", "payment", "components", "requirements", "documentation",
                  "logo"},
}
# Defaults of the 1.7.7 schema we leave to today's parser (so they read as today's defaults).
OLD_FILLED = {"requirements", "capabilities", "description"}
ENV_DEFAULTS = {("required", False), ("default", ""), ("secure", False), ("shared", True)}

PARSE = """
const P = require('@blocklet/meta/lib/parse'); const parse = P.parse || P;
try { process.stdout.write(JSON.stringify({ ok: true, meta: parse(process.argv[1], { ensureFiles: true }) })); }
catch (e) { process.stdout.write(JSON.stringify({ ok: false, error: e.message })); }
"""


@pytest.fixture(scope="module")
def legacy_oracles() -> Path:
    if not (LEGACY_ORACLES / "abtnode-cli" / "lib" / "commands" / "blocklet" / "migrate").is_dir():
        message = f"legacy oracles not installed in {LEGACY_ORACLES}: run scripts/install-test-deps.sh"
        if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
            pytest.fail(message)
        pytest.skip(message)
    return LEGACY_ORACLES


def reference_migrate(oracles: Path, project: Path) -> dict:
    done = subprocess.run(["node", str(DRIVER), str(oracles), str(project)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def current_parse(modules: Path, project: Path) -> dict:
    done = node_eval(PARSE, modules, str(project))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def copy(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest)
    return dest


@pytest.mark.parametrize("name", [n for n in LEGACY_FIXTURES if n != "seed-blocklet-json"])
def test_reference_migration_and_ours_agree(name: str, legacy_oracles: Path, tmp_path: Path) -> None:
    theirs_dir = copy(name, tmp_path / "theirs")
    reference = reference_migrate(legacy_oracles, theirs_dir)
    assert reference["exitCode"] == 0, reference["messages"]
    ours_dir = copy(name, tmp_path / "ours")
    ours = legacy.to_spec_102(legacy.read_legacy(ours_dir), directory=str(theirs_dir))
    assert ours == reference["meta"]


def test_seed_object_form(legacy_oracles: Path, tmp_path: Path) -> None:
    """The seed's `requiredEnvironments` is one object: the 1.7.7 parser rejects it (it wants an array) and its
    migration stops; we read it as a list of one, as the seed's text describes it."""
    reference = reference_migrate(legacy_oracles, copy("seed-blocklet-json", tmp_path / "theirs"))
    assert reference["exitCode"] == 1
    assert any('"environments" must be an array' in m for m in reference["messages"])
    result = plan_migration(copy("seed-blocklet-json", tmp_path / "ours"))
    assert result.meta["environments"][0]["name"] == "DEBUG"
    assert result.meta["environments"][0]["default"] == "arcblock*"


@pytest.mark.parametrize("name", LEGACY_FIXTURES)
def test_current_meta_accepts_ours(name: str, legacy_oracles: Path, oracle_modules: Path, tmp_path: Path) -> None:
    ours_dir = copy(name, tmp_path / "ours")
    apply_migration(plan_migration(ours_dir))
    assert not (ours_dir / "blocklet.json").exists()
    ours = current_parse(oracle_modules, ours_dir)
    assert ours["ok"], ours.get("error")
    if name == "seed-blocklet-json":
        return
    theirs_dir = copy(name, tmp_path / "theirs")
    assert reference_migrate(legacy_oracles, theirs_dir)["exitCode"] == 0
    theirs = current_parse(oracle_modules, theirs_dir)
    if name == "every-key":  # the reference's own output keeps `children` with `resolved`: rejected today
        assert not theirs["ok"] and "components[0].source" in theirs["error"]
        return
    assert theirs["ok"], theirs.get("error")
    skip = DIFFERENT[name] | OLD_FILLED | {"specVersion"}

    def comparable(meta: dict) -> dict:
        """`scripts: {}` means no scripts; env defaults written out by the old migration mean the defaults."""
        out = {k: v for k, v in meta.items() if k not in skip and not (k == "scripts" and v == {})}
        out["environments"] = [{k: v for k, v in env.items() if (k, v) not in ENV_DEFAULTS}
                               for env in out.get("environments", [])]
        return out

    assert comparable(ours["meta"]) == comparable(theirs["meta"])
    assert ours["meta"]["specVersion"] == legacy.CURRENT_SPEC_VERSION


def test_every_key_values_the_reference_lost(oracle_modules: Path, tmp_path: Path) -> None:
    """What the 1.7.7 migration dropped silently reaches today's parser (or stays visible as a comment)."""
    project = copy("every-key", tmp_path / "p")
    result = apply_migration(plan_migration(project))
    meta = current_parse(oracle_modules, project)["meta"]
    assert meta["scripts"] == {"preStart": "node hooks/pre-start.js", "postInstall": "node hooks/post-install.js"}
    assert {"hooks/pre-start.js", "hooks/post-install.js"} <= set(meta["files"])
    assert meta["interfaces"][0]["prefix"] == "/"
    assert meta["documentation"] == "https://docs.example.com/every-legacy-key"
    assert meta["requirements"]["server"] == ">=1.5.0"
    assert meta["payment"]["price"] == [{"address": "z35n6UoHSi9MED4uaQy6ozFgKPaZj2UKrurBG", "value": 8}]
    assert meta["components"][0]["source"] == {
        "url": "https://store.blocklet.dev/api/blocklets/z8ia1mAXo8ZE7ytGF36L5uBf9kD2kenhqFGp9/blocklet.json"}
    assert meta["components"][0]["mountPoint"] == "/demo"
    text = (project / "blocklet.yml").read_text()
    for kept in ("# provider: community", "# color: secondary", "# admin_url: /admin", "# config_url: /settings",
                 "# hooks.pre-deploy: node hooks/pre-deploy.js", "# charging.price: 5", "# tagline: kept as a comment"):
        assert kept in text
        assert any(kept[2:].split(":")[0] in note for note in result.notes)


def test_half_migrated_file_accepted_after_rewrite(oracle_modules: Path, tmp_path: Path) -> None:
    project = copy("half-migrated", tmp_path / "p")
    before = current_parse(oracle_modules, project)
    assert not before["ok"]  # `children` with `resolved` is not a component today
    apply_migration(plan_migration(project))
    after = current_parse(oracle_modules, project)
    assert after["ok"], after.get("error")
    assert after["meta"]["requirements"]["server"] == ">=1.5.0"
    assert after["meta"]["components"][0]["mountPoint"] == "/demo"
    assert after["meta"]["specVersion"] == legacy.CURRENT_SPEC_VERSION


@pytest.mark.parametrize("name", ["seed-blocklet-json", "seed-package-field"])
def test_migrated_static_project_bundles(name: str, run_blocklet, oracle_modules: Path, tmp_path: Path) -> None:
    """After `blocklet migrate`, `blocklet bundle` works and today's parser accepts the bundle it makes."""
    project = copy(name, tmp_path / "p")
    assert run_blocklet("bundle", str(project)).returncode == 3  # refused before the migration
    migrated = run_blocklet("migrate", str(project))
    assert migrated.returncode == 0, migrated.stderr
    bundled = run_blocklet("bundle", str(project))
    assert bundled.returncode == 0, bundled.stderr
    bundle = project / ".blocklet" / "bundle"
    parsed = current_parse(oracle_modules, bundle)
    assert parsed["ok"], parsed.get("error")
    main = parsed["meta"]["main"]
    assert (bundle / main / "index.html").read_bytes() == next(project.glob("*/index.html")).read_bytes()
