"""What users wire into their tools: shell completion (Typer's `_BLOCKLET_COMPLETE`), the pre-commit
hook (`.pre-commit-hooks.yaml`, through the real `pre-commit try-repo`), and the example GitHub Actions
workflow (`docs/examples/github-release.yml`: every `blocklet` step is run as written)."""

from __future__ import annotations

import json
import os
import re
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


# -- the GitHub Action (action.yml) and the GitLab example, run as their runners run them -----------------

EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
CONDITION = re.compile(r"^([\w.-]+)\s*(==|!=)\s*'([^']*)'$")


class ActionRunner:
    """Runs the steps of a composite action as the GitHub runner does: `${{ … }}` substituted in `env`,
    `working-directory`, `with` and scripts (`inputs.*`, `github.action_path`, `steps.<id>.outputs.*`);
    `if:` evaluated; each `run` a script file run by `bash --noprofile --norc -eo pipefail`; after each
    step, `GITHUB_OUTPUT` gives the step's outputs and `GITHUB_PATH` lines go in front of PATH for the
    following steps. Inputs also appear as `INPUT_<NAME>` variables."""

    def __init__(self, action_dir: Path, work: Path, base_env: dict[str, str]) -> None:
        self.dir = action_dir
        self.action = yaml.safe_load((action_dir / "action.yml").read_text())
        self.work = work
        self.base_env = base_env
        self.path_prefix: list[str] = []
        self.outputs: dict[str, dict[str, str]] = {}
        self.ran: list[str] = []
        work.mkdir(parents=True, exist_ok=True)

    def _value(self, name: str, inputs: dict[str, str]) -> str:
        if name.startswith("inputs."):
            key = name.split(".", 1)[1]
            assert key in self.action["inputs"], f"unknown input {key}"
            return inputs.get(key, str(self.action["inputs"][key].get("default", "")))
        if name == "github.action_path":
            return str(self.dir)
        if name.startswith("steps."):
            _, step, kind, key = name.split(".", 3)
            assert kind == "outputs", name
            return self.outputs.get(step, {}).get(key, "")
        raise AssertionError(f"the test runner does not know the expression {name!r}")

    def substitute(self, text: str, inputs: dict[str, str]) -> str:
        return EXPRESSION.sub(lambda match: self._value(match.group(1), inputs), str(text))

    def condition(self, text: str, inputs: dict[str, str]) -> bool:
        found = CONDITION.match(EXPRESSION.sub(lambda m: m.group(1), str(text)).strip())
        assert found, f"the test runner does not know the condition {text!r}"
        name, op, expected = found.groups()
        return (self._value(name, inputs) == expected) == (op == "==")

    def run(self, inputs: dict[str, str], cwd: Path, *, steps: list[str] | None = None) -> dict[str, str]:
        """Run the action's steps (or the ones with the given ids); returns the action's outputs."""
        for index, step in enumerate(self.action["runs"]["steps"]):
            step_id = step.get("id", f"step{index}")
            if steps is not None and step_id not in steps:
                continue
            if "if" in step and not self.condition(step["if"], inputs):
                continue
            assert "run" in step, f"step {step.get('name')} would run {step.get('uses')} here"
            self._run_step(step, step_id, inputs, cwd)
        return {name: self.substitute(spec["value"], inputs) for name, spec in self.action["outputs"].items()}

    def _run_step(self, step: dict, step_id: str, inputs: dict[str, str], cwd: Path) -> None:
        files = {name: self.work / f"{step_id}-{name.lower()}" for name in ("GITHUB_OUTPUT", "GITHUB_PATH",
                                                                         "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
        for file in files.values():
            file.write_text("")
        script = self.work / f"{step_id}.sh"
        script.write_text(self.substitute(step["run"], inputs))
        env = {**self.base_env, **{f"INPUT_{k.upper()}": self.substitute(f"${{{{ inputs.{k} }}}}", inputs)
                                   for k in self.action["inputs"]},
               **{k: str(v) for k, v in files.items()}, "RUNNER_TEMP": str(self.work / "runner-temp"),
               "GITHUB_ACTION_PATH": str(self.dir),
               **{k: self.substitute(v, inputs) for k, v in (step.get("env") or {}).items()}}
        env["PATH"] = os.pathsep.join([*self.path_prefix, self.base_env["PATH"]])
        where = cwd / self.substitute(step.get("working-directory", "."), inputs)
        assert step.get("shell") == "bash", "every run step names its shell"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=where,
                              env=env, capture_output=True, text=True, check=False, timeout=900)
        self.ran.append(step_id)
        self.last = done
        if done.returncode != 0:
            raise StepFailed(step_id, done)
        self.outputs[step_id] = step_outputs(files["GITHUB_OUTPUT"].read_text())
        self.path_prefix[:0] = [line for line in files["GITHUB_PATH"].read_text().splitlines() if line][::-1]


def step_outputs(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT file as the runner reads it: `name=value` lines and `name<<DELIMITER` … `DELIMITER`
    blocks (a multi-line value, its last newline not part of it)."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, heredoc, delimiter = line.partition("<<")
        if heredoc and "=" not in name:
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            else:
                raise AssertionError(f"output {name}: delimiter {delimiter} never closes")
            found[name] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            found[key] = value
    return found


class StepFailed(Exception):
    def __init__(self, step: str, done: subprocess.CompletedProcess) -> None:
        super().__init__(f"step {step} failed ({done.returncode}): {done.stderr[-3000:]}")
        self.step, self.done = step, done


def bare_path(tmp_path: Path) -> str:
    """A PATH with a python3 (this interpreter) and the system tools, but no `blocklet`."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "python3").symlink_to(sys.executable)
    return os.pathsep.join([str(tools), "/usr/local/bin", "/usr/bin", "/bin"])


def test_the_action_maps_inputs_to_variables_and_secrets_only_through_env():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        # no expression inside a script (no script injection); secrets reach the commands as variables only
        assert "${{" not in step.get("run", ""), step.get("name")
        for name, value in (step.get("env") or {}).items():
            if "access-token" in str(value) or "access-secret" in str(value):
                assert name in ("BLOCKLET_ACCESS_TOKEN", "BLOCKLET_DEPLOY_ACCESS_SECRET"), name
    release = next(step for step in action["runs"]["steps"] if step.get("id") == "release")
    assert {"BLOCKLET_STORE", "BLOCKLET_ACCESS_TOKEN", "BLOCKLET_SKIP_EXISTING", "BLOCKLET_DEPLOY_ENDPOINT",
            "BLOCKLET_DEPLOY_APP_DID", "BLOCKLET_DEPLOY_ACCESS_KEY", "BLOCKLET_DEPLOY_ACCESS_SECRET", "BLOCKLET_ALL",
            "BLOCKLET_FILTER"} <= set(
        release["env"])
    install = next(step for step in action["runs"]["steps"] if "pip install" in step.get("run", ""))
    assert install["env"]["BLOCKLET_ACTION_PATH"] == "${{ github.action_path }}"


@pytest.mark.slow
def test_the_action_runs_as_the_runner_runs_it_publish_then_skip_then_deploy(tmp_path, project_copy):
    """Install from the action's own path into a fresh venv, validate → bundle → publish to a real local
    store; again with skip-existing (nothing uploaded) and without (exit 14); then deploy."""
    from pytest_httpserver import HTTPServer

    from tests.cli.test_publish_cmd import TOKEN, TOKEN_WALLET
    from tests.images import store_ready
    from tests.unit.test_server import FakeBlockletServer
    from tests.unit.test_store_upload import FakeStore

    project = store_ready(project_copy("static-site"))
    servers = [HTTPServer(host="127.0.0.1", port=0), HTTPServer(host="127.0.0.1", port=0)]
    for server in servers:
        server.start()
    try:
        store = FakeStore(servers[0], folder=tmp_path / "served", keep=True)
        env = {"HOME": os.environ["HOME"], "PATH": bare_path(tmp_path), "LANG": "C.UTF-8",
               "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", ""), "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
               "GITHUB_ACTIONS": "true", "CI": "true"}
        runner = ActionRunner(REPO, tmp_path / "runner", env)
        inputs = {"store": store.url, "access-token": TOKEN}
        outputs = runner.run(inputs, project)
        assert runner.ran == ["python", "step2", "release"]  # setup-python is skipped: python3 is there
        did = json.loads((project / ".blocklet/release/blocklet.json").read_text())["did"]
        version_url = f"{store.url}/api/blocklets/{did}/0.3.1/blocklet.json"
        assert outputs["url"] == version_url
        assert json.loads(store.uploads[0]["meta_raw"])["signatures"][0]["signer"] == TOKEN_WALLET.address
        assert TOKEN[2:] not in runner.last.stdout + runner.last.stderr

        again = runner.run({**inputs, "skip-existing": "true"}, project, steps=["release"])
        assert again["url"] == version_url and len(store.uploads) == 1
        assert "skipped (--skip-existing)" in runner.last.stderr
        with pytest.raises(StepFailed) as failed:
            runner.run(inputs, project, steps=["release"])
        assert failed.value.done.returncode == 14 and "is already on the store" in failed.value.done.stderr
        assert len(store.uploads) == 1 and len(store.requests("GET", r"/api/blocklets/.+/0\.3\.1/blocklet\.json")) == 3

        server = FakeBlockletServer(servers[1])
        server.component_did = did
        deployed = runner.run({"command": "deploy", "endpoint": server.url, "app-id": server.app,
                               "access-key": server.key.address, "access-secret": server.secret}, project,
                              steps=["release"])
        assert deployed["url"] == "https://harbor.example/harbor-lights" and len(server.uploads) == 1
        assert server.secret not in runner.last.stdout + runner.last.stderr
        with pytest.raises(StepFailed) as failed:
            runner.run({"command": "upload"}, project, steps=["release"])
        assert failed.value.done.returncode == 2 and "command must be publish, deploy or bundle" in (
            failed.value.done.stdout)
    finally:
        for server in servers:
            server.stop()


def test_the_action_on_a_workspace_with_all_and_filter(tmp_path, run_blocklet):
    """The release step with the `all` and `filter` inputs, as the runner runs it (this test's own `blocklet`
    on PATH in place of the install step): on a workspace of three blocklets made by `blocklet init`, one using
    another as a component, publish --all to a file store (one URL per line in the `url` output), then a
    graph filter that bundles only a blocklet and what it uses; a filter never expands as a file glob."""
    root = tmp_path / "lighthouse"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "lighthouse", "private": True, "workspaces": ["apps/*"]}))
    for name in ("beacon", "lamp", "signal"):
        done = run_blocklet("init", str(root / "apps" / name), "--name", f"lh-{name}", "--group", "static", "--yes")
        assert done.returncode == 0, done.stderr
    lamp = root / "apps" / "lamp" / "blocklet.yml"
    lamp.write_text(lamp.read_text() + "components:\n  - name: lh-beacon\n    source:\n"
                                       "      url: file:../beacon/.blocklet/release/blocklet.json\n")
    store = tmp_path / "store"
    env = {"HOME": os.environ["HOME"], "PATH": os.pathsep.join([BIN, bare_path(tmp_path)]), "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"], "GITHUB_ACTIONS": "true", "CI": "true"}
    runner = ActionRunner(REPO, tmp_path / "runner", env)
    outputs = runner.run({"all": "true", "store": str(store)}, root, steps=["release"])
    urls = outputs["url"].splitlines()
    assert len(urls) == 3 and all(url.endswith("/blocklet.json") for url in urls), outputs
    assert "lh-beacon, lh-signal, lh-lamp" in runner.last.stderr  # dependency order
    assert len(list(store.glob("api/blocklets/*/blocklet.json"))) == 3
    summary = (runner.work / "release-github_step_summary").read_text().splitlines()
    assert summary == [f"publish: {url}" for url in urls]

    beacon_release = root / "apps" / "beacon" / ".blocklet" / "release" / "blocklet.json"
    beacon_built = beacon_release.stat().st_mtime_ns
    for name in ("lamp", "signal"):
        shutil.rmtree(root / "apps" / name / ".blocklet")
    (root / "lh-lx...").mkdir()  # expanded as a file glob, `lh-l*...` would become `lh-lx...` (no blocklet)
    outputs = runner.run({"command": "bundle", "filter": "lh-l*...\n  !lh-beacon lh-lamp"}, root,
                         steps=["release"])
    assert outputs["url"] == ""
    built = sorted(path.parent.parent.name for path in root.glob("apps/*/.blocklet/release"))
    # lh-lamp... adds lh-beacon, the ! filter takes it away again: lamp bundled with beacon's release as it was
    assert built == ["beacon", "lamp"] and beacon_release.stat().st_mtime_ns == beacon_built
    with pytest.raises(StepFailed) as failed:
        runner.run({"command": "bundle", "all": "yes"}, root, steps=["release"])
    assert failed.value.done.returncode == 2 and "all must be true or false" in failed.value.done.stdout
    with pytest.raises(StepFailed) as failed:
        runner.run({"command": "bundle", "filter": "lh-nope"}, root, steps=["release"])
    assert failed.value.done.returncode == 2 and "matches no blocklet" in failed.value.done.stderr


def test_gitlab_example_script_lines_run_as_written(tmp_path, project_copy, httpserver):
    """The `check` and `publish` jobs of docs/examples/gitlab-ci.yml, each job's script lines in one bash as
    GitLab's runner runs them (`set -eo pipefail`), with the token as a "File" variable and a real local
    store; the publish job run twice uploads once."""
    from tests.cli.test_publish_cmd import TOKEN, TOKEN_WALLET
    from tests.images import store_ready
    from tests.unit.test_store_upload import FakeStore

    pipeline = yaml.safe_load((REPO / "docs" / "examples" / "gitlab-ci.yml").read_text())
    project = store_ready(project_copy("static-site"))
    store = FakeStore(httpserver, folder=tmp_path / "served", keep=True)
    token_file = tmp_path / "BLOCKLET_ACCESS_TOKEN_FILE"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    version = json.loads(subprocess.run([str(BLOCKLET), "meta", "--json"], cwd=project, capture_output=True,
                                        text=True, check=True).stdout)["version"]
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "CI": "true", "GITLAB_CI": "true",
           "CI_PROJECT_DIR": str(project), "CI_COMMIT_TAG": f"v{version}", "BLOCKLET_STORE": store.url,
           "BLOCKLET_ACCESS_TOKEN_FILE": str(token_file), "BLOCKLET_ACCESS_TOKEN": ""}
    env.update({name: value for name, value in (pipeline.get("variables") or {}).items()})

    def job(name: str) -> subprocess.CompletedProcess:
        lines = [line for line in pipeline[name]["script"] if not line.startswith("pip install")]
        script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
        return subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=project, env=env,
                              capture_output=True, text=True, check=False, timeout=300)

    assert any(line.startswith("pip install") for line in pipeline["publish"]["script"])
    checked = job("check")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert json.loads((project / "validate.json").read_text())["results"][0]["valid"] is True
    for _ in range(2):
        published = job("publish")
        assert published.returncode == 0, published.stderr[-2000:]
    did = json.loads((project / ".blocklet/release/blocklet.json").read_text())["did"]
    assert f"published {store.url}/api/blocklets/{did}/{version}/blocklet.json" in published.stdout
    assert "skipped (--skip-existing)" in published.stderr and len(store.uploads) == 1
    assert json.loads(store.uploads[0]["meta_raw"])["signatures"][0]["signer"] == TOKEN_WALLET.address
    assert TOKEN[2:] not in published.stdout + published.stderr
    env["CI_COMMIT_TAG"] = "v9.9.9"  # a tag that does not match blocklet.yml stops the job
    assert job("publish").returncode != 0 and len(store.uploads) == 1
