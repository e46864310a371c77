"""`blocklet migrate`, `blocklet meta --legacy` and the legacy-project refusal of every command, through the
real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"


def deploy_env() -> dict[str, str]:
    """deploy checks its credentials first: a well-formed key (the legacy project is refused before any request)."""
    from blocklet_cli.core.identity.wallet import Wallet, encode_z

    wallet = Wallet.generate()
    return {"BLOCKLET_DEPLOY_ENDPOINT": "http://127.0.0.1:9", "BLOCKLET_DEPLOY_ACCESS_KEY": wallet.address,
            "BLOCKLET_DEPLOY_ACCESS_SECRET": encode_z(wallet.secret_key)}


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "seed-blocklet-json", tmp_path / "seed"))


def snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("args", [["meta", "{p}"], ["validate", "{p}"], ["bundle", "{p}"], ["dev", "{p}"],
                                  ["version", "patch", "--project", "{p}"], ["remove", "x", "--project", "{p}"],
                                  ["add", "https://example.com/b.json", "--project", "{p}"], ["deploy", "{p}"]])
def test_every_command_refuses_a_legacy_project_in_one_line(run_blocklet, seed: Path, args: list[str]) -> None:
    before = snapshot(seed)
    proc = run_blocklet(*[a.replace("{p}", str(seed)) for a in args], env=deploy_env())
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.splitlines(keepends=True)[-1] == (
        f"✖ {seed} is a legacy Blocklet project (metadata in blocklet.json, no blocklet.yml): "
        f"`blocklet migrate {seed}` converts it\n")
    assert snapshot(seed) == before


def test_json_error_names_the_legacy_project(run_blocklet, seed: Path) -> None:
    proc = run_blocklet("meta", "--json", cwd=seed)
    assert proc.returncode == 3
    error = json.loads(proc.stdout)["error"]
    assert error["type"] == "LegacyProjectError" and "blocklet migrate" in error["message"]


def test_meta_legacy_shows_todays_form_and_writes_nothing(run_blocklet, seed: Path) -> None:
    before = snapshot(seed)
    proc = run_blocklet("meta", "--legacy", str(seed), "--json")
    assert proc.returncode == 0, proc.stderr
    meta = json.loads(proc.stdout)
    assert meta["environments"][0]["name"] == "DEBUG" and meta["specVersion"] == "1.2.8"
    assert meta["interfaces"][0]["name"] == "publicUrl"
    assert "note: provider: no equivalent in blocklet.yml today; kept as a comment" in proc.stderr
    assert snapshot(seed) == before


def test_dry_run_prints_the_diff_and_writes_nothing(run_blocklet, seed: Path) -> None:
    before = snapshot(seed)
    proc = run_blocklet("migrate", "--dry-run", cwd=seed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- /dev/null\n+++ b/blocklet.yml\n")
    assert "--- a/blocklet.json\n+++ /dev/null\n" in proc.stdout
    assert "+name: static-demo-blocklet\n" in proc.stdout
    assert "dry run: would write blocklet.yml (spec 1.2.8); remove blocklet.json" in proc.stderr
    assert snapshot(seed) == before


def test_migrate_json_then_no_op(run_blocklet, seed: Path) -> None:
    proc = run_blocklet("migrate", "--json", str(seed))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kind"] == "legacy" and result["written"] and result["removed"] == ["blocklet.json"]
    assert result["intermediate"]["specVersion"] == "1.0.2"
    assert result["blockletYml"] == (seed / "blocklet.yml").read_text()
    assert "provider: no equivalent in blocklet.yml today; kept as a comment" in result["notes"]
    assert run_blocklet("validate", str(seed)).returncode == 0
    before = snapshot(seed)
    again = run_blocklet("migrate", "--json", str(seed))
    assert again.returncode == 0 and json.loads(again.stdout)["changed"] is False
    assert snapshot(seed) == before


def test_git_commit(run_blocklet, tmp_path: Path) -> None:
    root = Path(shutil.copytree(FIXTURES / "seed-package-field", tmp_path / "repo"))
    env = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "legacy"],
                   check=True)
    proc = run_blocklet("migrate", "--git-commit", "--json", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    commit = json.loads(proc.stdout)["commit"]
    shown = subprocess.run([*git, "show", "--name-status", "--format=%s", commit], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert shown[0] == "Migrate blocklet metadata to blocklet.yml (spec 1.2.8)"
    assert sorted(line for line in shown[1:] if line) == ["A\tblocklet.yml", "M\tpackage.json"]
    assert subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout == ""


def test_validate_explains_legacy_keys(run_blocklet, tmp_path: Path) -> None:
    root = Path(shutil.copytree(FIXTURES / "half-migrated", tmp_path / "half"))
    proc = run_blocklet("validate", str(root))
    notes = [line for line in proc.stdout.splitlines() if ": note: " in line]
    assert [n.split(": ")[1] for n in notes] == ["/children", "/charging", "/requirements/abtnode", "/specVersion"]
    assert notes[0].startswith(f"{root / 'blocklet.yml'}:23:1: /children: note: `children` is the old name of "
                               "`components`")
    proc = run_blocklet("validate", str(root), "--json")
    legacy = json.loads(proc.stdout)["results"][0]["legacy"]
    assert [k["pointer"] for k in legacy] == ["/children", "/charging", "/requirements/abtnode", "/specVersion"]
    assert run_blocklet("migrate", str(root)).returncode == 0
    proc = run_blocklet("validate", str(root))
    assert proc.returncode == 0 and ": note: " not in proc.stdout


def test_migrate_nothing_there(run_blocklet, tmp_path: Path) -> None:
    proc = run_blocklet("migrate", str(tmp_path))
    assert proc.returncode == 4
    assert proc.stderr.startswith("✖ no blocklet.yml, blocklet.json or package.json#blocklet in ")


def test_init_in_a_legacy_project_points_at_migrate(run_blocklet, seed: Path) -> None:
    before = snapshot(seed)
    proc = run_blocklet("init", str(seed), "--yes")
    assert proc.returncode == 3 and "`blocklet migrate" in proc.stderr.splitlines()[-1]
    assert snapshot(seed) == before
    forced = run_blocklet("init", str(seed), "--yes", "--force")
    assert forced.returncode == 0, forced.stderr
