"""No secret in any output, at `--verbose` and `--debug`, on success and on failure: every command that
handles one (publish, connect, config, deploy, dev with a secure variable, init --did-type blocklet)
runs through the real console script and its stdout+stderr are searched for the test secrets in
every encoding we could think of (hex with/without 0x in both cases, the seed half, base58, base64,
URL-safe base64, percent-encoding)."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import base58

from blocklet_cli.core.identity.wallet import Wallet
from tests.unit.test_connect import FakeConnectStore
from tests.unit.test_server import FakeBlockletServer
from tests.unit.test_store_upload import FakeStore, make_release

TOKEN = Wallet.from_seed(bytes(range(32)))
LOUD = ("--verbose", "--debug")
ANY_SECRET_KEY = re.compile(r"(0x)?[0-9a-fA-F]{128}")  # a 64-byte secret key in hex, whoever's it is


def encodings(secret: bytes | str) -> set[str]:
    raw = secret.encode() if isinstance(secret, str) else secret
    forms = {raw.hex(), raw.hex().upper(), "0x" + raw.hex(), base58.b58encode(raw).decode(),
             base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("="),
             quote(raw.decode("latin-1"), safe="")}
    if isinstance(secret, str):
        forms.add(secret)
    return {form for form in forms if len(form) >= 8}


def wallet_forms(wallet: Wallet) -> set[str]:
    return encodings(wallet.secret_key) | encodings(wallet.seed)


def assert_no_secret(done, secrets: set[str]) -> None:
    output = done.stdout + done.stderr
    leaked = sorted(form for form in secrets if form in output)
    assert not leaked, f"secret leaked in {done.args[1:]}: {leaked}"
    assert not ANY_SECRET_KEY.search(output), output
    assert "Traceback" not in output or "--debug" in done.args


def test_publish_to_http_and_file_stores(run_blocklet, httpserver, tmp_path):
    store = FakeStore(httpserver, answer=(200, {"status": "published"}))
    metafile = make_release(tmp_path / "p")
    secrets = wallet_forms(TOKEN)
    runs = [
        run_blocklet(*LOUD, "publish", str(metafile), "--store", store.url, "--access-token", TOKEN.secret_key_hex),
        run_blocklet(*LOUD, "--json", "publish", str(metafile), "--store", store.url, "--dry-run",
                     env={"BLOCKLET_ACCESS_TOKEN": TOKEN.secret_key_hex}),
        run_blocklet(*LOUD, "publish", str(metafile), "--store", str(tmp_path / "fs"),
                     env={"BLOCKLET_ACCESS_TOKEN": TOKEN.secret_key_hex}),
        # refused and broken tokens are not echoed either
        run_blocklet(*LOUD, "publish", str(metafile), "--store", store.url,
                     "--access-token", TOKEN.secret_key_hex[:-1] + "g"),
        run_blocklet(*LOUD, "publish", str(metafile), "--store", store.url,
                     "--access-token", TOKEN.secret_key_hex[:100]),
    ]
    assert [done.returncode for done in runs[:3]] == [0, 0, 0]
    assert all(done.returncode in (2, 10) for done in runs[3:])
    secrets |= {TOKEN.secret_key_hex[:-1] + "g", TOKEN.secret_key_hex[2:100]}
    for done in runs:
        assert_no_secret(done, secrets)
    assert len(store.uploads) == 1


def test_connect_never_shows_the_key_it_receives(run_blocklet, httpserver, isolated_home):
    store = FakeConnectStore(httpserver)
    done = run_blocklet(*LOUD, "connect", store.origin, "--json")
    assert done.returncode == 0, done.stderr
    assert_no_secret(done, wallet_forms(Wallet.from_secret_key(store.secret)))
    assert store.secret in (isolated_home / ".arcblock" / "blocklet.ini").read_text()


def test_config_masks_the_token_everywhere(run_blocklet):
    secrets = wallet_forms(TOKEN)
    runs = [run_blocklet(*LOUD, "config", "set", "accessToken", TOKEN.secret_key_hex),
            run_blocklet(*LOUD, "config", "get", "accessToken"),
            run_blocklet(*LOUD, "--json", "config", "get", "accessToken"),
            run_blocklet(*LOUD, "config", "list"),
            run_blocklet(*LOUD, "--json", "config", "ls"),
            run_blocklet(*LOUD, "config", "get", "accessToken", env={"BLOCKLET_ACCESS_TOKEN": TOKEN.secret_key_hex}),
            run_blocklet(*LOUD, "config", "set", "accessToken", TOKEN.secret_key_hex[:-2])]
    assert [done.returncode for done in runs[:6]] == [0] * 6
    assert runs[6].returncode == 2
    for done in runs:
        assert_no_secret(done, secrets | {TOKEN.secret_key_hex[:-2]})


def test_deploy_keeps_the_access_secret(run_blocklet, httpserver, tmp_path):
    fake = FakeBlockletServer(httpserver)
    from tests.unit.test_deploy import WEB

    release = make_release(tmp_path, interfaces=WEB).parent
    secrets = wallet_forms(fake.key) | encodings(fake.secret)
    runs = [run_blocklet(*LOUD, "deploy", str(release), env=fake.env),
            run_blocklet(*LOUD, "--json", "deploy", str(release), "--dry-run", env=fake.env),
            run_blocklet(*LOUD, "deploy", str(release), "--access-secret", fake.secret, env={
                k: v for k, v in fake.env.items() if k != "BLOCKLET_DEPLOY_ACCESS_SECRET"}),
            run_blocklet(*LOUD, "deploy", str(release), env={**fake.env,
                                                             "BLOCKLET_DEPLOY_ACCESS_SECRET": fake.secret[:-3]})]
    assert [done.returncode for done in runs[:3]] == [0, 0, 0], [done.stderr for done in runs]
    assert runs[3].returncode != 0
    for done in runs:
        assert_no_secret(done, secrets | encodings(fake.secret[:-3]))


def test_dev_hides_secure_variables_and_the_app_key(run_blocklet, project_copy):
    project = project_copy("node-dapp")
    meta = project / "blocklet.yml"
    script = 'echo "token-set=${FERRY_API_TOKEN:+yes} sk=${BLOCKLET_APP_SK:-none}"'
    meta.write_text(meta.read_text().replace("dev: node api/index.js", f"dev: '{script}'"))
    secret = "ferry-secret-value-4711"
    (project / ".env").write_text(f"FERRY_API_TOKEN={secret}\n")
    done = run_blocklet(*LOUD, "dev", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "token-set=yes sk=none" in done.stderr  # stdout is not a terminal: the app's lines go to stderr
    assert_no_secret(done, encodings(secret))
    as_json = run_blocklet(*LOUD, "--json", "dev", cwd=project)
    assert as_json.returncode == 0, as_json.stderr
    assert_no_secret(as_json, encodings(secret))


def test_init_blocklet_did_type_keeps_the_wallet_in_its_file(run_blocklet, tmp_path, isolated_home):
    wallets = isolated_home / ".config" / "blocklet" / "blocklets"
    for extra in ((), ("--json",)):
        done = run_blocklet(*LOUD, *extra, "init", str(tmp_path / f"app{len(extra)}"), "--yes",
                            "--did-type", "blocklet", "--group", "static")
        assert done.returncode == 0, done.stderr
        newest = max(wallets.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
        wallet = Wallet.from_secret_key(json.loads(newest.read_text())["sk"])
        assert_no_secret(done, wallet_forms(wallet))
        assert newest.stat().st_mode & 0o077 == 0
    assert len(list(wallets.glob("*.json"))) == 2
