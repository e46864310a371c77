"""`blocklet dev` on a composed app through the real console script: a static parent, a Node dapp component and a
static component published into a file store, all started and reached through the gateway; a component run from
source (`--link`) and a project run as a component of an app (`--component --app` / `--app-did`, the
create-blocklet `dev:child` command line); SIGINT stops every process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_dev_cmd import DevProcess, alive, fetch

REPORTER = """
const http = require('http');
const { spawn } = require('child_process');
const grandchild = spawn('sleep', ['300'], { stdio: 'ignore' });
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, grandchild: grandchild.pid, url: req.url, headers: req.headers,
                           env: process.env }));
}).listen(Number(process.env.BLOCKLET_PORT), '127.0.0.1', () => console.log('reporter up'));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the dapp component")


def _init(cli, name: str, group: str, where: Path) -> Path:
    done = cli("init", name, "--group", group, "--yes", cwd=where)
    assert done.returncode == 0, done.stderr
    return where / name


def _reporter(cli, where: Path, name: str = "reporter") -> Path:
    project = _init(cli, name, "dapp", where)
    (project / "index.js").write_text(REPORTER)
    meta = project / "blocklet.yml"
    text = meta.read_text().replace("    protocol: http\n", "    protocol: http\n    services:\n      - name: auth\n")
    meta.write_text(text + "environments:\n  - name: REPORTER_COLOR\n    description: a colour\n    default: blue\n"
                    "  - name: GREETING\n    description: a greeting\n    default: ''\n")
    return project


@pytest.fixture
def composed(tmp_path: Path, cli) -> Path:
    """A static parent with the dapp `reporter` at /reporter and the static `lighthouse` at /light, both from a
    file store; the parent shares GREETING; the reporter's web interface declares a service."""
    store = tmp_path / "store"
    for project in (_reporter(cli, tmp_path), _init(cli, "lighthouse", "static", tmp_path)):
        done = cli("publish", "--store", str(store), "--json", cwd=project)
        assert done.returncode == 0, done.stderr
    parent = _init(cli, "parent", "static", tmp_path)
    for name, mount in (("reporter", "/reporter"), ("lighthouse", "/light")):
        done = cli("add", name, "--store", str(store), "--mount-point", mount, cwd=parent)
        assert done.returncode == 0, done.stderr
    meta = parent / "blocklet.yml"
    meta.write_text(meta.read_text()
                    + "environments:\n  - name: GREETING\n    description: shared\n    default: hello-from-parent\n")
    return parent


def _components(doc: dict) -> dict[str, dict]:
    return {c["name"]: c for c in doc["components"]}


def test_a_composed_app_runs_every_component_behind_one_port(composed: Path) -> None:
    dev = DevProcess(composed, "--start-all-components")  # the default, spelled as the reference does
    doc = dev.doc
    gateway = doc["gateway"]["url"]
    components = _components(doc)
    try:
        assert set(components) == {"parent", "reporter", "lighthouse"}
        assert components["parent"]["mountPoint"] == "/" and components["parent"]["source"] == "app"
        assert components["reporter"]["source"] == "url" and components["reporter"]["kind"] == "dapp"
        assert components["lighthouse"]["kind"] == "static" and components["lighthouse"]["mountPoint"] == "/light"
        assert [s["name"] for s in components["reporter"]["services"]] == ["auth"]
        assert len({c["port"] for c in components.values()} | {doc["gateway"]["port"]}) == 4

        report = json.loads(fetch(f"{gateway}/reporter/hello?x=1"))
        headers, env = report["headers"], report["env"]
        app_did, reporter = doc["appDid"], components["reporter"]  # the app's wallet, as on a server
        # prefix stripped and the router's headers set (ArcBlock/blocklet-server router-provider default/daemon.js)
        assert report["url"] == "/hello?x=1"
        assert headers["x-path-prefix"] == "/reporter" and headers["x-group-path-prefix"] == "/"
        assert headers["x-blocklet-did"] == app_did
        assert headers["x-blocklet-component-id"] == f"{app_did}/{reporter['did']}"
        assert headers["x-forwarded-proto"] == "http" and headers["x-forwarded-port"] == str(doc["gateway"]["port"])
        # per-component variables
        assert env["BLOCKLET_PORT"] == str(reporter["port"])
        assert env["BLOCKLET_COMPONENT_DID"] == reporter["did"] and env["BLOCKLET_COMPONENT_VERSION"] == "1.0.0"
        assert env["BLOCKLET_REAL_DID"] == f"{app_did}/{reporter['did']}"
        assert env["BLOCKLET_REAL_NAME"] == f"{app_did}/reporter" and env["BLOCKLET_DID"] == app_did
        assert env["BLOCKLET_APP_NAME"] == "parent" and env["BLOCKLET_APP_URL"] == doc["url"]
        assert Path(env["BLOCKLET_DATA_DIR"]).name == reporter["did"] and Path(env["BLOCKLET_DATA_DIR"]).is_dir()
        assert not Path(env["BLOCKLET_APP_DIR"]).is_relative_to(composed)  # expanded in the dev folder
        mounts = {m["name"]: m for m in json.loads(env["BLOCKLET_MOUNT_POINTS"])}
        assert {name: (m["mountPoint"], m["port"]) for name, m in mounts.items()} == {
            name: (c["mountPoint"], c["port"]) for name, c in components.items()}
        # the parent's variable is shared with the component (its own empty default loses), its own default stays
        assert env["GREETING"] == "hello-from-parent" and env["REPORTER_COLOR"] == "blue"

        assert b"<title>parent</title>" in fetch(f"{gateway}/")
        assert b"<title>lighthouse</title>" in fetch(f"{gateway}/light/")
        rebound = urllib.request.Request(f"{gateway}/light/", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:  # the static server's DNS-rebinding check still holds
            urllib.request.urlopen(rebound, timeout=5)
        assert refused.value.code == 403
        settings = json.loads(fetch(f"{gateway}/light/__blocklet__.js?type=json"))
        assert settings["prefix"] == "/light/" and settings["appName"] == "parent"
        assert fetch(f"{gateway}/__blocklet__.js").startswith(b"window.blocklet = ")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{gateway}/.well-known/service/api/user/session", timeout=5)
        assert missing.value.code == 501 and "`api`" in missing.value.read().decode()
    finally:
        code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130, stderr
    assert "Stopped (SIGINT)" in stderr
    assert not alive(report["pid"]) and not alive(report["grandchild"])


def test_a_linked_component_runs_from_source_and_a_dead_one_answers_502(composed: Path, cli, tmp_path) -> None:
    (tmp_path / "work").mkdir()
    local = _reporter(cli, tmp_path / "work")
    (local / "index.js").write_text(REPORTER.replace("'reporter up'", "'local reporter up'"))
    dev = DevProcess(composed, "--link", f"reporter={local}")
    try:
        components = _components(dev.doc)
        assert components["reporter"]["source"] == "local"
        assert components["reporter"]["directory"] == str(local.resolve())
        report = json.loads(fetch(f"{dev.doc['gateway']['url']}/reporter/"))
        assert report["env"]["BLOCKLET_APP_DIR"] == str(local.resolve())
        os.kill(report["pid"], signal.SIGKILL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{dev.doc['gateway']['url']}/reporter/", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 502 and "reporter" in error.read().decode()
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the killed component never answered 502")
        assert b"<title>lighthouse</title>" in fetch(f"{dev.doc['gateway']['url']}/light/")
        for _ in range(100):  # the crash is reported with the component's name and exit code
            if "reporter exited with code 137" in dev.stderr_path.read_text():
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the crash of reporter was not reported")
    finally:
        code, _, stderr = dev.signal(signal.SIGTERM)
    assert code == 143, stderr
    assert "reporter | local reporter up" in stderr


def test_dev_child_runs_the_project_as_a_component_of_an_app(composed: Path, cli, tmp_path) -> None:
    (tmp_path / "child").mkdir()
    child = _reporter(cli, tmp_path / "child", "studio")
    app_did = json.loads(cli("did", "some-app", "--json").stdout)[0]["did"]
    # the create-blocklet `dev:child` script: blocklet dev --component --app-did=<did> (no store has the app here)
    dev = DevProcess(child, "--component", f"--app-did={app_did}", env={"COMPONENT_STORE_URL": str(tmp_path / "store")})
    try:
        components = _components(dev.doc)
        assert list(components) == ["studio"] and components["studio"]["mountPoint"] == "/studio"
        report = json.loads(fetch(f"{dev.doc['gateway']['url']}/studio/page"))
        assert report["url"] == "/page" and report["headers"]["x-blocklet-did"] == app_did
        assert report["env"]["BLOCKLET_REAL_DID"] == f"{app_did}/{components['studio']['did']}"
    finally:
        code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130 and "not found in" in stderr

    # with the app from a folder, the project at --mount-point; --no-start-all-components: as the reference does
    # by default, only the component under development starts (the others are listed, routed, and answer 502)
    dev = DevProcess(child, "--component", "--app", str(composed), "--mount-point", "/studio-dev",
                     "--no-start-all-components")
    try:
        components = _components(dev.doc)
        assert set(components) == {"parent", "reporter", "lighthouse", "studio"}
        assert components["studio"]["mountPoint"] == "/studio-dev" and components["studio"]["source"] == "local"
        assert {name: c["started"] for name, c in components.items()} == {
            "parent": False, "reporter": False, "lighthouse": False, "studio": True}
        report = json.loads(fetch(f"{dev.doc['gateway']['url']}/studio-dev/x"))
        assert report["env"]["BLOCKLET_REAL_NAME"] == f"{dev.doc['appDid']}/studio"
        assert report["env"]["GREETING"] == "hello-from-parent"
        assert {m["name"] for m in json.loads(report["env"]["BLOCKLET_MOUNT_POINTS"])} == set(components)
        for path, name in (("/reporter/", "reporter"), ("/light/", "lighthouse")):
            with pytest.raises(urllib.error.HTTPError) as down:
                urllib.request.urlopen(f"{dev.doc['gateway']['url']}{path}", timeout=5)
            assert down.value.code == 502 and name in down.value.read().decode()
    finally:
        code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130
    assert "Not started (--no-start-all-components): parent, reporter, lighthouse" in stderr
    assert "reporter | reporter up" not in stderr and "studio | reporter up" in stderr


def test_a_gateway_app_runs_its_components(composed: Path, cli, tmp_path) -> None:
    harbor = _init(cli, "harbor", "gateway", tmp_path)
    done = cli("add", "lighthouse", "--store", str(tmp_path / "store"), "--mount-point", "/light", cwd=harbor)
    assert done.returncode == 0, done.stderr
    dev = DevProcess(harbor)
    try:
        assert [c["name"] for c in dev.doc["components"]] == ["lighthouse"]
        assert b"<title>lighthouse</title>" in fetch(f"{dev.doc['gateway']['url']}/light/")
        with pytest.raises(urllib.error.HTTPError) as nothing:
            urllib.request.urlopen(f"{dev.doc['gateway']['url']}/elsewhere", timeout=5)
        assert nothing.value.code == 404
    finally:
        code, _, _ = dev.signal(signal.SIGINT)
    assert code == 130


def test_watch_restarts_only_the_local_component_that_changed(composed: Path, cli, tmp_path) -> None:
    (tmp_path / "work").mkdir()
    local = _reporter(cli, tmp_path / "work")
    dev = DevProcess(composed, "--watch", "--link", f"reporter={local}")
    gateway = dev.doc["gateway"]["url"]
    try:
        first = json.loads(fetch(f"{gateway}/reporter/"))
        (local / "extra.js").write_text("// a change\n")
        for _ in range(300):
            try:
                second = json.loads(fetch(f"{gateway}/reporter/", attempts=1))
            except (AssertionError, ValueError):
                second = first
            if second["pid"] != first["pid"]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("reporter was not restarted")
        (composed / "www" / "index.html").write_text("<title>parent</title> changed")  # static: served as is
        assert b"changed" in fetch(f"{gateway}/")
    finally:
        code, _, stderr = dev.signal(signal.SIGINT)
    assert code == 130
    assert "reporter: changed extra.js: restarting" in stderr
    assert stderr.count("restarting") == 1
    assert not alive(first["pid"]) and not alive(first["grandchild"]) and not alive(second["pid"])


def test_meta_composed_and_dev_plan_show_merged_services(composed: Path, cli) -> None:
    done = cli("meta", "--composed", cwd=composed)
    assert done.returncode == 0, done.stderr
    services = {c["name"]: [s["name"] for s in c["services"]] for c in json.loads(done.stdout)["components"]}
    assert services == {"reporter": ["auth"], "lighthouse": []}
    plan = cli("dev", "--plan", "--json", cwd=composed)
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    assert doc["running"] is False
    assert {c["name"]: [s["name"] for s in c["services"]] for c in doc["components"]} == services


def test_text_mode_prints_the_gateway_url_alone_on_a_piped_stdout(composed: Path) -> None:
    """Without --json and with stdout not a terminal, the one stdout line is the gateway's URL, written once every
    component answers; the table, the Ready line and the components' own output go to stderr."""
    dev = DevProcess(composed, json_output=False)
    try:
        url = dev.url_line()
        assert json.loads(fetch(f"{url}/reporter/"))["pid"] > 0  # every component answers already
    finally:
        code, rest, stderr = dev.signal(signal.SIGTERM)
    assert code == 143 and rest == "", stderr
    assert f"Ready: {url}" in stderr and "reporter | reporter up" in stderr
