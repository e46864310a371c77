"""What users wire into their tools: shell completion (Typer's `_BLOCKLET_COMPLETE`), the pre-commit
hook (`.pre-commit-hooks.yaml`, through the real `pre-commit try-repo`), and the example GitHub Actions
workflow (`docs/examples/github-release.yml`: every `blocklet` step is run as written)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import BLOCKLET, REPO

BIN = str(Path(sys.executable).parent)


def complete(words: str, shell: str = "bash") -> list[str]:
    env = {**os.environ, "_BLOCKLET_COMPLETE": f"complete_{shell}", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
           "_TYPER_COMPLETE_ARGS": words}
    done = subprocess.run([str(BLOCKLET)], env=env, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completion_of_commands_subcommands_and_options():
    assert set(complete("blocklet ")) >= {"init", "validate", "meta", "did", "version", "bundle", "add", "remove",
                                          "publish", "upload", "config", "connect", "deploy", "dev"}
    assert complete("blocklet va") == ["validate"]
    assert set(complete("blocklet config ")) >= {"set", "get", "delete", "list", "ls"}
    assert "--create-release" in complete("blocklet bundle --cr")
    assert "--mode" in complete("blocklet validate --m")


def test_zsh_completion_and_the_installable_script():
    assert '"connect"' in " ".join(complete("blocklet con", "zsh"))
    done = subprocess.run([str(BLOCKLET), "--show-completion", "bash"], capture_output=True, text=True, check=False,
                          env={**os.environ, "SHELL": "/bin/bash"})
    assert done.returncode == 0 and "_BLOCKLET_COMPLETE=complete_bash" in done.stdout


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.mark.slow
def test_pre_commit_hook_validates_blocklet_files(tmp_path, project_copy):
    pre_commit = shutil.which("pre-commit", path=BIN)
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["blocklet-validate"]
    repo = tmp_path / "user repo"
    good = project_copy("static-site", repo / "site")
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"), "CI": "1", "NO_COLOR": "1"}
    run = lambda: subprocess.run([pre_commit, "try-repo", str(REPO), "blocklet-validate", "--all-files"],  # noqa: E731
                                 cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=600)
    passed = run()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-2000:]
    assert "blocklet validate" in passed.stdout and "Passed" in passed.stdout
    meta = good / "blocklet.yml"
    meta.write_text(meta.read_text().replace("version: 0.3.1", "version: not-a-version"))
    _git("add", ".", cwd=repo)
    failed = run()
    assert failed.returncode == 1 and "Failed" in failed.stdout
    assert "site/blocklet.yml" in failed.stdout and "/version" in failed.stdout


def test_example_workflow_steps_run_as_written(tmp_path, project_copy, run_blocklet):
    """Every `blocklet` step of docs/examples/github-release.yml, in order, in a bash like GitHub's, with
    the tag of the project's version and a file store as BLOCKLET_STORE."""
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "github-release.yml").read_text())
    steps = [step["run"] for job in ("check", "publish") for step in workflow["jobs"][job]["steps"]
             if "run" in step and "pipx install" not in step["run"]]
    assert any("blocklet publish" in step for step in steps)
    project = project_copy("static-site")
    version = json.loads(run_blocklet("meta", cwd=project).stdout)["version"]
    store = tmp_path / "store"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "CI": "true", "GITHUB_REF_NAME": f"v{version}",
           "BLOCKLET_STORE": str(store), "BLOCKLET_ACCESS_TOKEN": ""}
    for step in steps:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step], cwd=project, env=env,
                              capture_output=True, text=True, check=False, timeout=300)
        assert done.returncode == 0, (step, done.stderr[-2000:])
    assert json.loads((project / "validate.json").read_text())["results"][0]["valid"] is True
    assert (project / ".blocklet" / "release" / "blocklet.json").is_file()
    assert list(store.glob("api/blocklets/*/blocklet.json"))
    env["GITHUB_REF_NAME"] = "v9.9.9"  # a tag that does not match blocklet.yml stops the job
    tag_check = next(step for step in steps if "GITHUB_REF_NAME" in step)
    assert subprocess.run(["bash", "-e", "-c", tag_check], cwd=project, env=env, capture_output=True,
                          check=False).returncode != 0
