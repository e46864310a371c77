"""Every network command against a misbehaving remote: refused connection, timeout, 5xx, truncated
body, wrong content type, wrong integrity. Each must give one clear error line, the documented exit
code, no traceback, and leave every file as it was (blocklet.yml, the release, the file store, the
config).

Exit codes: a remote that cannot be reached (refused, timeout, cut off) is NETWORK (8), one that
answers with an error or with something that is not what it should be is REMOTE (9). `add`, `bundle`
and `dev` report component sources as COMPONENT (7): a component is resolved across several stores,
and the message names the store and the network cause."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.identity.wallet import Wallet
from tests.conftest import FIXTURES
from tests.hardening.faults import FAULTS, fault_server
from tests.unit.test_components import new_store, store_meta  # noqa: F401
from tests.unit.test_deploy import WEB
from tests.unit.test_store_upload import make_release

LOGO = FIXTURES / "projects" / "static-site" / "logo.png"
KEY = Wallet.from_seed(b"k" * 32)
APP = Wallet.from_seed(b"a" * 32).address
FAST = {"BLOCKLET_HTTP_TIMEOUT": "1", "BLOCKLET_HTTP_RETRIES": "0", "BLOCKLET_DEPLOY_ACCESS_SECRET": KEY.secret_key_hex}
UNREACHABLE, ANSWERED_BADLY, COMPONENT = 8, 9, 7
EXPECTED = {"refused": UNREACHABLE, "timeout": UNREACHABLE, "5xx": ANSWERED_BADLY, "truncated": UNREACHABLE,
            "wrong-type": ANSWERED_BADLY}

APP_YML = """\
name: my-app   # a comment that must survive
did: {did}
version: 1.0.0
description: An app with a component
group: static
main: .
logo: logo.png
interfaces:
  - type: web
    name: publicUrl
    path: /
    prefix: '*'
    port: BLOCKLET_PORT
    protocol: http
components:
  - name: first-one
    mountPoint: /first
    source:
      store: {store}
      name: first-one
      version: latest
"""


def snapshot(*roots: Path) -> dict[str, bytes | None]:
    """Every file and folder under `roots` with its bytes (folders as None)."""
    found: dict[str, bytes | None] = {}
    for root in roots:
        for path in [root, *root.rglob("*")] if root.exists() else []:
            found[str(path)] = path.read_bytes() if path.is_file() else None
    return found


def project(folder: Path, store: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<h1>hi</h1>\n")
    (folder / "logo.png").write_bytes(LOGO.read_bytes())
    (folder / "blocklet.md").write_text("# My app\n")
    (folder / "blocklet.yml").write_text(APP_YML.format(did=to_blocklet_did("my-app"), store=store))
    return folder


def commands(url: str, tmp_path: Path) -> dict[str, tuple[list[str], Path]]:
    """Each network command pointed at `url`: (argv, working folder)."""
    app = project(tmp_path / "app", url)
    release = make_release(tmp_path / "rel", interfaces=WEB)
    return {
        "add": (["add", "static-demo", "--store", url], app),
        "bundle": (["bundle", "--create-release"], app),
        "dev": (["dev", "--port", "0"], app),
        "publish": (["publish", str(release), "--store", url, "--access-token", KEY.secret_key_hex], release.parent),
        "connect": (["connect", url, "--timeout", "2"], tmp_path),
        "deploy": (["deploy", str(release.parent), "--endpoint", url, "--app-id", APP, "--access-key", KEY.address,
                    "--timeout", "1"], tmp_path),
    }


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("✖")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    assert KEY.secret_key_hex not in stderr and KEY.secret_key.hex() not in stderr
    return errors[0]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("command", ["add", "bundle", "dev", "publish", "connect", "deploy"])
def test_network_fault_is_one_line_right_code_and_writes_nothing(command, fault, tmp_path, isolated_home,
                                                                 run_blocklet):
    with fault_server(fault) as url:
        argv, cwd = commands(url, tmp_path)[command]
        before = snapshot(tmp_path, isolated_home)
        done = run_blocklet(*argv, cwd=cwd, env=FAST, timeout=60)
    line = one_error_line(done.stderr)
    assert done.returncode == (COMPONENT if command in ("add", "bundle", "dev") else EXPECTED[fault]), done.stderr
    assert url.split("//")[1] in line  # the message names the remote
    assert snapshot(tmp_path, isolated_home) == before, "a failed network command changed files"


@pytest.mark.parametrize("command", ["add", "bundle"])
def test_store_answering_the_meta_of_another_blocklet_is_refused(command, new_store, tmp_path,  # noqa: F811
                                                                 run_blocklet, isolated_home):
    """Components are not downloaded (only their tarball is HEADed), so their identity is what is checked."""
    store = new_store()
    asked = "static-demo" if command == "add" else "first-one"
    if command == "add":
        store.publish(store_meta("first-one"))
    stranger = store_meta(asked, did=to_blocklet_did("someone-else"))
    store.server.expect_request(f"/api/blocklets/{to_blocklet_did(asked)}/blocklet.json").respond_with_json(stranger)
    app = project(tmp_path / "app", store.url)
    before = snapshot(tmp_path, isolated_home)
    argv = ["add", asked, "--store", store.url] if command == "add" else ["bundle", "--create-release"]
    done = run_blocklet(*argv, cwd=app, env=FAST)
    line = one_error_line(done.stderr)
    assert done.returncode == COMPONENT, done.stderr
    assert asked in line
    assert snapshot(tmp_path, isolated_home) == before


@pytest.mark.parametrize("target", ["file", "http"])
def test_publish_refuses_a_tarball_that_is_not_the_release(target, tmp_path, run_blocklet, isolated_home):
    with fault_server("5xx") as url:
        metafile = make_release(tmp_path / "rel")
        tarball = metafile.parent / json.loads(metafile.read_text())["dist"]["tarball"]
        tarball.write_bytes(tarball.read_bytes()[:-4] + b"oops")
        store = str(tmp_path / "store") if target == "file" else url
        before = snapshot(tmp_path, isolated_home)
        done = run_blocklet("publish", str(metafile), "--store", store, "--access-token", KEY.secret_key_hex,
                            env=FAST)
    assert done.returncode == 6
    assert "does not match its metadata (dist.integrity differs)" in one_error_line(done.stderr)
    assert snapshot(tmp_path, isolated_home) == before and not (tmp_path / "store").exists()


def test_deploy_refuses_a_tarball_that_is_not_the_release(tmp_path, run_blocklet):
    metafile = make_release(tmp_path / "rel", interfaces=WEB)
    tarball = metafile.parent / json.loads(metafile.read_text())["dist"]["tarball"]
    tarball.write_bytes(tarball.read_bytes()[:-4] + b"oops")
    done = run_blocklet("deploy", str(metafile.parent), "--dry-run", "--endpoint", "http://127.0.0.1:9",
                        "--app-id", APP, "--access-key", KEY.address, env=FAST)
    assert done.returncode == 6 and "dist.integrity differs" in done.stderr


def test_publish_to_a_store_answering_a_login_page_is_not_a_success(tmp_path, run_blocklet):
    with fault_server("wrong-type") as url:
        metafile = make_release(tmp_path / "rel")
        digest = hashlib.sha256(metafile.read_bytes()).hexdigest()
        done = run_blocklet("publish", str(metafile), "--store", url, "--access-token", KEY.secret_key_hex,
                            "--json", env=FAST)
    assert done.returncode == 9
    assert "answered HTTP 200 with text/html, not the JSON of a Blocklet Store" in one_error_line(done.stderr)
    assert json.loads(done.stdout)["error"]["type"] == "RemoteError"
    assert hashlib.sha256(metafile.read_bytes()).hexdigest() == digest
