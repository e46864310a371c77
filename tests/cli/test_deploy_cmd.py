"""`blocklet deploy` through the real console script, against a local server speaking the protocol."""

from __future__ import annotations

import json

import pytest

from blocklet_cli.core.identity.wallet import Wallet
from tests.unit.test_deploy import WEB, replace_tarball
from tests.unit.test_server import FakeBlockletServer
from tests.unit.test_store_upload import make_release


@pytest.fixture
def fake(httpserver) -> FakeBlockletServer:
    return FakeBlockletServer(httpserver)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("✖")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_deploy_a_project_builds_the_release_and_prints_the_result(fake, project_copy, cli):
    project = project_copy("static-site")
    fake.component_did = "z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ"
    result = cli("deploy", str(project), env=fake.env)
    assert result.returncode == 0, result.stderr
    assert "Building the release first: no release found" in result.stderr
    assert "✔ Harbor Lights@0.3.1 was deployed to Harbor App on Fake Server" in result.stderr
    assert "Component: harbor-lights (z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ) version 0.3.1" in result.stderr
    assert "URL: https://harbor.example/harbor-lights" in result.stderr
    assert result.stdout == "https://harbor.example/harbor-lights\n"  # stdout is not a terminal: the URL alone
    assert fake.uploads[0]["filename"] == json.loads(
        (project / ".blocklet/release/blocklet.json").read_text())["dist"]["tarball"]


def test_deploy_json_document(fake, tmp_path, cli):
    release = make_release(tmp_path, version="1.4.0", title="Demo", interfaces=WEB).parent
    env = {k: v for k, v in fake.env.items() if k not in ("BLOCKLET_DEPLOY_ENDPOINT", "BLOCKLET_DEPLOY_APP_DID")}
    result = cli("deploy", str(release), "--json", "--endpoint", fake.url, "--app-id", fake.app,
                          "--mount-point", "/docs", env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"component", "app", "mountPoint", "url", "endpoint", "status", "size", "built",
                             "seconds"}
    assert document["component"]["version"] == "1.4.0" and document["mountPoint"] == "/docs"
    assert document["app"]["did"] == fake.app and document["built"] is False
    assert fake.uploads[0]["operations"]["variables"]["mountPoint"] == "/docs"


def test_dry_run_shows_the_request_without_secret_or_signature(tmp_path, cli):
    key = Wallet.from_seed(b"k" * 32)
    app = Wallet.from_seed(b"a" * 32).address
    release = make_release(tmp_path, interfaces=WEB).parent
    env = {"BLOCKLET_DEPLOY_ACCESS_SECRET": key.secret_key_hex}
    result = cli("deploy", str(release), "--dry-run", "--json", "--endpoint", "http://127.0.0.1:9",
                          "--access-key", key.address, "--app-id", app, env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["dryRun"] is True and document["accessKey"] == {
        "id": key.address, "source": "--access-key/--access-secret"}
    headers = document["request"]["headers"]
    assert headers["x-access-signature"] == "<Ed25519 signature, not shown>"
    assert document["request"]["parts"]["map"] == {"file0": ["variables.file"]}
    assert document["request"]["parts"]["operations"]["variables"]["rootDid"] == app
    assert key.secret_key_hex[2:] not in result.stdout + result.stderr

    human = cli("deploy", str(release), "--dry-run", "--endpoint", "http://127.0.0.1:9",
                         "--access-key", key.address, "--app-id", app, env=env)
    assert human.returncode == 0 and "Dry run: would deploy Demo@1.0.0" in human.stderr
    assert key.secret_key_hex[2:] not in human.stdout + human.stderr


@pytest.mark.parametrize(("args", "env", "status", "message"), [
    (["--endpoint", "ftp://x"], {}, 2, "invalid endpoint"),
    ([], {"BLOCKLET_DEPLOY_ENDPOINT": ""}, 2, "the server endpoint is required"),
    (["--access-secret", "0x00"], {"BLOCKLET_DEPLOY_ACCESS_KEY": ""}, 2, "needs both its id and its secret"),
    (["--app-id", "zNotADid"], {}, 2, "is not a valid DID"),
])
def test_bad_settings_are_one_line_usage_errors(fake, tmp_path, cli, args, env, status, message):
    release = make_release(tmp_path, interfaces=WEB).parent
    result = cli("deploy", str(release), *args, env={**fake.env, **env})
    assert result.returncode == status
    assert message in one_error_line(result.stderr)
    assert fake.requests == []


def test_missing_folder(fake, tmp_path, cli):
    result = cli("deploy", str(tmp_path / "nope"), env=fake.env)
    assert result.returncode == 4 and "the folder does not exist" in one_error_line(result.stderr)


def test_node_modules_in_the_release_is_refused_with_a_non_zero_exit(fake, tmp_path, cli):
    metafile = make_release(tmp_path, interfaces=WEB)
    replace_tarball(metafile, ["package/node_modules/x/index.js"])
    result = cli("deploy", str(metafile.parent), env=fake.env)
    assert result.returncode == 6
    assert "contains node_modules (node_modules/x/index.js)" in one_error_line(result.stderr)
    assert fake.uploads == [] and fake.requests == []


def test_server_refusals_are_one_line_errors(fake, tmp_path, cli):
    release = make_release(tmp_path, interfaces=WEB).parent
    stranger = Wallet.from_seed(b"q" * 32)
    unknown_key = cli("deploy", str(release), env={
        **fake.env, "BLOCKLET_DEPLOY_ACCESS_KEY": stranger.address,
        "BLOCKLET_DEPLOY_ACCESS_SECRET": stranger.secret_key_hex})
    assert unknown_key.returncode == 10
    assert f"access key {stranger.address} does not exist on this server" in one_error_line(unknown_key.stderr)

    other_app = Wallet.from_seed(b"o" * 32).address
    missing_app = cli("deploy", str(release), "--json", "--app-id", other_app, env=fake.env)
    assert missing_app.returncode == 4
    assert json.loads(missing_app.stdout)["error"]["message"].startswith(f"app {other_app} does not exist")

    fake.graphql_errors = [{"message": "Invalid blocklet.yml:\n\"description\" is required", "stack": ["x.js"]}]
    refused = cli("deploy", str(release), env=fake.env)
    assert refused.returncode == 9
    assert 'Invalid blocklet.yml: "description" is required' in one_error_line(refused.stderr)
    assert fake.uploads == []


def test_unreachable_server_and_timeout_are_network_errors(fake, httpserver, tmp_path, cli):
    import socket

    release = make_release(tmp_path, interfaces=WEB).parent
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = cli("deploy", str(release), "--endpoint", closed, env=fake.env)
    assert unreachable.returncode == 8 and "cannot reach" in one_error_line(unreachable.stderr)

    import time

    from werkzeug import Response

    def slow(request):
        time.sleep(3)
        return Response("{}", content_type="application/json")

    httpserver.clear()
    httpserver.expect_request("/.well-known/did.json").respond_with_handler(slow)
    slow_server = cli("deploy", str(release), "--timeout", "1", env=fake.env)
    assert slow_server.returncode == 8 and "timed out after 1s" in one_error_line(slow_server.stderr)
