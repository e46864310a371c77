"""`--all` / `--filter` through the real console script on a small yarn-style workspace of static blocklets
made with `blocklet init` (the npm and pnpm workspaces with dependencies: tests/integration/test_workspaces.py):
the summary table, exit codes, usage refusals."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def monorepo(tmp_path: Path, run_blocklet) -> Path:
    root = tmp_path / "lighthouse"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "lighthouse", "private": True,
                                                   "workspaces": {"packages": ["apps/*"]}}))
    for name in ("beacon", "lamp", "signal"):
        done = run_blocklet("init", str(root / "apps" / name), "--name", f"lh-{name}", "--group", "static", "--yes")
        assert done.returncode == 0, done.stderr
    lamp = root / "apps" / "lamp" / "blocklet.yml"  # lamp ships beacon as a component
    lamp.write_text(lamp.read_text() + "components:\n  - name: lh-beacon\n    source:\n"
                                       "      url: file:../beacon/.blocklet/release/blocklet.json\n")
    return root


def test_text_summary_table_and_success(monorepo, run_blocklet):
    done = run_blocklet("bundle", "--all", "--create-release", "-j", "2", cwd=monorepo / "apps" / "lamp")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert f"ℹ npm workspace {monorepo}: 3 blocklet(s) in dependency order: lh-beacon, lh-signal, lh-lamp" in lines
    header = next(index for index, line in enumerate(lines) if line.split() == ["blocklet", "folder", "status",
                                                                                 "time", "detail"])
    rows = [line.split()[:3] for line in lines[header + 1:] if line.startswith("lh-")]  # (details wrap)
    # lamp's bundle verified its `file:` component: beacon's release existed because it was built first
    assert rows == [["lh-beacon", "apps/beacon", "ok"], ["lh-signal", "apps/signal", "ok"],
                    ["lh-lamp", "apps/lamp", "ok"]]
    assert lines[-1] == "✔ 3 blocklet(s): 3 ok"


def test_exit_code_is_the_first_failure_and_dependents_are_skipped(monorepo, run_blocklet):
    (monorepo / "apps" / "beacon" / "logo.png").unlink()
    (monorepo / "apps" / "signal" / "blocklet.yml").write_text("name: [broken\n")
    done = run_blocklet("bundle", "--all", "--json", str(monorepo))
    document = json.loads(done.stdout)
    statuses = [(r["name"], r["status"], r.get("exitCode")) for r in document["results"]]
    assert statuses == [("lh-beacon", "failed", 3), ("signal", "failed", 5), ("lh-lamp", "skipped", None)]
    assert done.returncode == 3 and document["ok"] is False  # the logo is missing: invalid for a bundle


def test_filter_and_version_sync(monorepo, run_blocklet):
    done = run_blocklet("version", "1.5.0", "--filter", "apps/l*", "--filter", "lh-signal", "--sync", "--json",
                        "-p", str(monorepo))
    assert done.returncode == 0, done.stderr
    assert [(r["name"], r["to"]) for r in json.loads(done.stdout)["results"]] == [("lh-lamp", "1.5.0"),
                                                                                  ("lh-signal", "1.5.0")]
    assert "version: 1.0.0" in (monorepo / "apps" / "beacon" / "blocklet.yml").read_text()


def test_filter_graph_selectors_through_the_console_script(monorepo, run_blocklet):
    done = run_blocklet("validate", "--filter", "lh-lamp...", "--json", str(monorepo))
    assert done.returncode == 0, done.stderr
    assert [r["name"] for r in json.loads(done.stdout)["results"]] == ["lh-beacon", "lh-lamp"]
    done = run_blocklet("validate", "--filter", "...^lh-beacon", "--filter", "lh-signal", "--json", str(monorepo))
    assert [r["name"] for r in json.loads(done.stdout)["results"]] == ["lh-lamp", "lh-signal"]


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "--all", "a", "b"], "--all and --filter take at most one folder"),
    (["version", "--all", "--git-tag"], "--git-tag needs one version for all the blocklets: add --sync"),
    (["deploy", "--all", "--mount-point", "/x"], "--mount-point names one blocklet's mount point"),
    (["publish", "--all", "--store", "./store", "apps/lamp/blocklet.yml"], "the folder to start from"),
])
def test_usage_refusals(monorepo, run_blocklet, args, message):
    done = run_blocklet(*args, cwd=monorepo)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def test_version_all_commits_once_and_tags_the_synced_version(monorepo, run_blocklet):
    git(monorepo, "init", "-q")
    git(monorepo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "add", "-A")
    git(monorepo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "init")
    env = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    done = run_blocklet("version", "minor", "--all", "--sync", "--git-tag", "--json", "-p", str(monorepo), env=env)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["sync"] == "1.1.0" and document["tag"] == "v1.1.0"
    assert git(monorepo, "log", "-1", "--format=%H %s").split() == [document["commit"], "v1.1.0"]
    assert git(monorepo, "tag", "--points-at", "HEAD").split() == ["v1.1.0"]
    assert sorted(git(monorepo, "show", "--name-only", "--format=", "HEAD").split()) == [
        f"apps/{name}/blocklet.yml" for name in ("beacon", "lamp", "signal")]
    assert git(monorepo, "status", "--porcelain") == ""

    done = run_blocklet("version", "patch", "--filter", "lh-lamp", "--filter", "lh-signal", "--git-commit", "-p",
                        str(monorepo), env=env)
    assert done.returncode == 0, done.stderr
    assert git(monorepo, "log", "-1", "--format=%s").strip() == "release lh-lamp@1.1.1, lh-signal@1.1.1"
    assert "Committed " in done.stderr
