"""`blocklet deploy` against the real Blocklet Server 1.17.12 (steps run in order on one server)."""

from __future__ import annotations

import json
import time

import pytest

from blocklet_cli.core.identity import did as did_core
from tests.e2e.server_harness import ROUTER_PORT, BlockletServer

# one server for the module: `make test` runs pytest with `--dist loadfile`, so its tests share one worker
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIST_QUERY = ("{ getBlocklets(input:{includeRuntimeInfo:false}) { code blocklets { appDid status"
              " children { meta { did name version } status mountPoint } } } }")


def children(server: BlockletServer, app_did: str) -> dict[str, dict]:
    """The app's components by DID, as `getBlocklets` reports them."""
    answer = server.gql(LIST_QUERY)
    apps = [app for app in answer["data"]["getBlocklets"]["blocklets"] if app["appDid"] == app_did]
    assert apps, answer
    return {child["meta"]["did"]: child for child in apps[0]["children"]}


def app_host(app_did: str) -> str:
    import base64

    return "b" + base64.b32encode(did_core.decode(app_did)).decode().lower().rstrip("=") + ".did.abtnet.io"


def deploy(run_blocklet, e2e, project, *extra: str):
    started = time.monotonic()
    result = run_blocklet("deploy", str(project), "--json", *extra, env=e2e.key_env, timeout=600)
    return result, time.monotonic() - started


def test_1_static_fixture_is_deployed_and_served(e2e, e2e_projects, run_blocklet):
    project = e2e_projects["static-site"]
    result, seconds = deploy(run_blocklet, e2e, project)
    e2e.timings["deploy_static"] = seconds
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["component"] == {"did": "z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ", "name": "harbor-lights",
                                      "title": "Harbor Lights", "version": "0.3.1"}
    assert document["app"]["did"] == e2e.app_did
    assert document["built"] is True  # there was no release: deploy built it with our bundler
    assert (project / ".blocklet" / "release" / "blocklet.json").is_file()
    # the server installs an uploaded static component without a mount point: deploy sets the default one
    assert document["mountPoint"] == "/harbor-lights"
    assert document["url"] == f"https://{app_host(e2e.app_did)}/harbor-lights"

    child = children(e2e.server, e2e.app_did)["z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ"]
    assert (child["meta"]["version"], child["mountPoint"]) == ("0.3.1", "/harbor-lights")

    expected = (project / "www" / "index.html").read_text(encoding="utf-8")
    started = time.monotonic()
    e2e.server.wait_until(lambda: e2e.server.has_site(app_host(e2e.app_did)), "the app's site in the router", 180)
    _status, body = e2e.server.wait_until(
        lambda: (lambda r: r if r[0] == 200 and r[1] == expected else None)(
            e2e.server.http_get(f"http://127.0.0.1:{ROUTER_PORT}/harbor-lights/", app_host(e2e.app_did))),
        "the router serving the static component", 180, interval=1)
    e2e.timings["router_serves_static"] = time.monotonic() - started
    assert body == expected


def test_2_version_bump_is_deployed(e2e, e2e_projects, run_blocklet):
    project = e2e_projects["static-site"]
    bumped = run_blocklet("version", "patch", "--project", str(project), "--json")
    assert bumped.returncode == 0, bumped.stderr
    result, seconds = deploy(run_blocklet, e2e, project)
    e2e.timings["deploy_static_bumped"] = seconds
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["component"]["version"] == "0.3.2"
    assert document["built"] is True  # the release (0.3.1) was older than the project: rebuilt
    child = children(e2e.server, e2e.app_did)["z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ"]
    assert (child["meta"]["version"], child["mountPoint"]) == ("0.3.2", "/harbor-lights")  # an upgrade keeps it
    assert document["mountPoint"] == "/harbor-lights"


def test_3_dapp_fixture_runs_after_start(e2e, e2e_projects, run_blocklet):
    project = e2e_projects["node-dapp"]
    result, seconds = deploy(run_blocklet, e2e, project, "--mount-point", "/ledger")
    e2e.timings["deploy_dapp"] = seconds
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    component = "z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE"
    assert document["component"]["did"] == component and document["mountPoint"] == "/ledger"
    assert document["url"].endswith("/ledger")

    server = e2e.server
    configured = server.gql(
        "mutation($input: RequestConfigBlockletInput){ configBlocklet(input:$input){ code } }",
        {"input": {"did": [e2e.app_did, component], "configs": [{"key": "FERRY_API_TOKEN", "value": "e2e"}]}},
        app_did=e2e.app_did)
    assert configured["data"]["configBlocklet"]["code"] == "ok", configured
    started_answer = server.gql("mutation($input: RequestComponentsInput){ startBlocklet(input:$input){ code } }",
                                {"input": {"did": e2e.app_did}}, app_did=e2e.app_did)
    assert started_answer["data"]["startBlocklet"]["code"] == "ok", started_answer
    started = time.monotonic()
    server.wait_until(lambda: children(server, e2e.app_did)[component]["status"] == "running",
                      "the dapp reaching running", 180, interval=1)
    e2e.timings["dapp_running"] = time.monotonic() - started
    # its dependency (tiny-slug, shipped in blocklet.zip by our bundler) loaded: the API answers
    _status, body = server.wait_until(
        lambda: (lambda r: r if r[0] == 200 and r[1].startswith("{") else None)(
            server.http_get(f"http://127.0.0.1:{ROUTER_PORT}/ledger", app_host(e2e.app_did))),
        "the dapp answering through the router", 120, interval=1)
    assert json.loads(body)["region"] == "north"


def test_4_refusals(e2e, e2e_projects, run_blocklet, tmp_path):
    from blocklet_cli.core.identity import did
    from blocklet_cli.core.identity.wallet import Wallet, encode_z

    project = e2e_projects["static-site"]
    before = {did: child["meta"]["version"] for did, child in children(e2e.server, e2e.app_did).items()}
    stranger = Wallet.generate()

    wrong_secret = run_blocklet("deploy", str(project), env={**e2e.key_env,
                                "BLOCKLET_DEPLOY_ACCESS_SECRET": encode_z(stranger.secret_key)})
    assert wrong_secret.returncode == 10
    assert "does not belong to access key" in wrong_secret.stderr and "Traceback" not in wrong_secret.stderr

    unknown_app = Wallet.generate(did.APPLICATION_TYPE).address
    missing = run_blocklet("deploy", str(project), "--app-id", unknown_app, env=e2e.key_env)
    assert missing.returncode == 4
    assert f"app {unknown_app} does not exist" in missing.stderr

    unknown_key = run_blocklet("deploy", str(project), env={
        **e2e.key_env, "BLOCKLET_DEPLOY_ACCESS_KEY": stranger.address,
        "BLOCKLET_DEPLOY_ACCESS_SECRET": encode_z(stranger.secret_key)})
    assert unknown_key.returncode == 10
    assert f"access key {stranger.address} does not exist on this server" in unknown_key.stderr

    for result in (wrong_secret, missing, unknown_key):
        assert e2e.key_env["BLOCKLET_DEPLOY_ACCESS_SECRET"] not in result.stderr + result.stdout
        assert len([line for line in result.stderr.splitlines() if line.startswith("✖")]) == 1
    after = {did: child["meta"]["version"] for did, child in children(e2e.server, e2e.app_did).items()}
    assert after == before  # nothing changed on the server


def test_4b_migrated_legacy_project_is_bundled_and_deployed(e2e, e2e_projects, run_blocklet, tmp_path):
    """A first-generation static project (blocklet.json, tests/fixtures/legacy) after `blocklet migrate`: a second
    static component of the app, beside harbor-lights, and the app keeps running (test_3 started it)."""
    import shutil
    from pathlib import Path

    project = Path(shutil.copytree(Path(__file__).resolve().parent.parent / "fixtures" / "legacy" /
                                   "seed-blocklet-json", tmp_path / "legacy"))
    refused = run_blocklet("deploy", str(project), env=e2e.key_env)
    assert refused.returncode == 3 and "`blocklet migrate" in refused.stderr
    migrated = run_blocklet("migrate", str(project))
    assert migrated.returncode == 0, migrated.stderr
    bundled = run_blocklet("bundle", str(project), "--json")
    assert bundled.returncode == 0, bundled.stderr
    result, seconds = deploy(run_blocklet, e2e, project)
    e2e.timings["deploy_migrated_legacy"] = seconds
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    component = did_core.to_blocklet_did("static-demo-blocklet")
    assert document["component"]["did"] == component
    # its default mount point, from the name (it has no title); the server left it empty, deploy set it
    assert document["mountPoint"] == "/static-demo-blocklet"
    assert document["url"] == f"https://{app_host(e2e.app_did)}/static-demo-blocklet"
    now = children(e2e.server, e2e.app_did)
    assert (now[component]["meta"]["version"], now[component]["mountPoint"]) == ("1.0.0", "/static-demo-blocklet")
    # installing a static component into an app that never went through its setup marks that component (only)
    # stopped ("set blocklet as stopped since not initialized"); the running dapp is not touched
    assert now["z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE"]["status"] == "running"
    assert now["z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ"]["mountPoint"] == "/harbor-lights"

    e2e.server.wait_until(lambda: e2e.server.has_site(app_host(e2e.app_did)), "the app's site in the router", 180)
    for path, page in (("/static-demo-blocklet/", project / "app" / "index.html"),
                       ("/harbor-lights/", e2e_projects["static-site"] / "www" / "index.html")):
        expected = page.read_text(encoding="utf-8")
        _status, body = e2e.server.wait_until(
            lambda path=path, expected=expected: (lambda r: r if r[0] == 200 and r[1] == expected else None)(
                e2e.server.http_get(f"http://127.0.0.1:{ROUTER_PORT}{path}", app_host(e2e.app_did))),
            f"the router serving {path}", 180, interval=1)
        assert body == expected


@pytest.mark.stops_server  # the server is shared with the other e2e modules: this module runs last
def test_5_stop_leaves_no_process(e2e):
    killed = e2e.server.stop()
    e2e.stopped = True
    assert e2e.server.pids() == [], "processes are still running in the namespace"
    e2e.timings["stop"] = e2e.server.timings["stop"]
    # `stop` + `stop --force` should be enough; anything killed by PID is reported, not hidden
    assert all("blocklet" in command or "node" in command for command in killed)
