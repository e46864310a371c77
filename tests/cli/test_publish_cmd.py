"""`blocklet publish` / `upload` through the real console script: file store and HTTP store.

Every run goes through `run_checked`, which fails if the access token shows up in any output in any
of its forms (0x-hex, bare hex, seed hex, base58)."""

from __future__ import annotations

import json
import os
import stat

import base58
import pytest

from blocklet_cli.core.identity import signing
from blocklet_cli.core.identity.wallet import Wallet
from tests.unit.test_store_upload import FakeStore, make_release

TOKEN_WALLET = Wallet.from_seed(bytes(range(32)))
TOKEN = TOKEN_WALLET.secret_key_hex


def secret_forms(wallet: Wallet = TOKEN_WALLET) -> list[str]:
    raw = wallet.secret_key
    return [wallet.secret_key_hex, raw.hex(), raw.hex().upper(), wallet.seed.hex(),
            base58.b58encode(raw).decode(), base58.b58encode(wallet.seed).decode()]


@pytest.fixture
def run_checked(cli):
    def run(*args, **kwargs):
        done = cli(*args, **kwargs)
        for form in secret_forms():
            assert form not in done.stdout and form not in done.stderr, f"the token leaked: {args}"
        assert "Traceback" not in done.stderr
        return done

    return run


def test_file_store_publish_builds_the_release_and_signs_with_the_local_key(run_checked, project_copy, tmp_path,
                                                                          isolated_home):
    project = project_copy("static-site")
    store = tmp_path / "store"
    done = run_checked("publish", "--store", str(store), "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["kind"] == "file" and result["store"] == store.as_uri() and result["dryRun"] is False
    assert "building the release" in done.stderr and (project / ".blocklet/release/blocklet.json").is_file()
    stored = json.loads((store / "api/blocklets" / result["did"] / "blocklet.json").read_text())
    assert signing.verify_meta(stored) and stored["signatures"][0]["signer"] == result["signer"]
    assert stored["dist"]["tarball"] == f"harbor-lights-{result['version']}.tgz"
    assert result["result"]["metaUrl"] == f"{store.as_uri()}/api/blocklets/{result['did']}/blocklet.json"
    key_file = isolated_home / ".config/blocklet/publisher-key.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Wallet.from_secret_key(json.loads(key_file.read_text())["sk"]).address == result["signer"]

    again = run_checked("upload", "--store", f"file://{store}", cwd=project)
    assert again.returncode == 14
    assert "is already in the store" in again.stderr and "--force" in again.stderr
    forced = run_checked("publish", "--store", str(store), "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert "published to the file store" in forced.stderr


def test_file_store_uses_a_configured_token_when_there_is_one(run_checked, tmp_path):
    metafile = make_release(tmp_path / "p")
    done = run_checked("publish", str(metafile), "--store", str(tmp_path / "s"), "--json",
                       env={"BLOCKLET_ACCESS_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["signer"] == TOKEN_WALLET.address
    assert "env:BLOCKLET_ACCESS_TOKEN" in done.stderr


def test_http_store_upload_with_token_from_env(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver, answer=(200, {"status": "published"}))
    metafile = make_release(tmp_path)
    done = run_checked("publish", str(metafile), "--store", store.url, env={"BLOCKLET_ACCESS_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    [upload] = store.uploads
    assert upload["form"] == {"source": "CLI"}
    meta = json.loads(upload["meta_raw"])
    assert signing.verify_meta(meta) and meta["signatures"][0]["signer"] == TOKEN_WALLET.address
    assert f"Demo 1.0.0 published: {store.url}/blocklets/{meta['did']}" in done.stderr


def test_http_store_token_from_flag_and_from_the_profile(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path)
    assert run_checked("publish", str(metafile), "--store", store.url, "--access-token", TOKEN).returncode == 0
    assert run_checked("config", "set", "accessToken", TOKEN, "--profile", "ci").returncode == 0
    assert run_checked("config", "set", "store", store.url, "--profile", "ci").returncode == 0
    done = run_checked("publish", str(metafile), "--profile", "ci")
    assert done.returncode == 0, done.stderr
    assert "uploaded to" in done.stderr and "/developer/blocklets" in done.stderr
    assert len(store.uploads) == 2


def test_dry_run_signs_and_shows_the_request_without_sending(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path)
    done = run_checked("publish", str(metafile), "--store", store.url, "--dry-run", "--json",
                       env={"BLOCKLET_ACCESS_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["dryRun"] is True and store.uploads == []
    assert data["request"]["url"] == f"{store.url}/api/blocklets/upload"
    assert data["request"]["headers"] == {"blocklet-version": "1.0.0", "blocklet-did": data["did"]}
    assert data["request"]["parts"]["source"] == "CLI"
    assert signing.verify_meta(data["meta"])
    text = run_checked("publish", str(metafile), "--store", store.url, "--dry-run",
                       env={"BLOCKLET_ACCESS_TOKEN": TOKEN})
    assert "would POST" in text.stderr and "header blocklet-did" in text.stderr
    assert json.loads(text.stdout)["signatures"][0]["signer"] == TOKEN_WALLET.address


def test_missing_token_for_an_http_store_names_every_way_to_set_it(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver)
    done = run_checked("publish", str(make_release(tmp_path)), "--store", store.url)
    assert done.returncode == 10
    assert "an access token is required" in done.stderr
    assert "blocklet config set accessToken" in done.stderr and "--access-token" in done.stderr
    assert "BLOCKLET_ACCESS_TOKEN" in done.stderr


def test_store_errors_keep_the_store_words(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver, answer=(400, {"error": "Version 1.0.0 exists, please bump"}))
    done = run_checked("publish", str(make_release(tmp_path)), "--store", store.url, "--access-token", TOKEN)
    assert done.returncode == 9
    assert "upload failed: [400] Version 1.0.0 exists, please bump" in done.stderr


def test_no_access_answer_is_an_auth_error_with_the_fix(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver, answer=(403, {"error": "[NO-ACCESS] unknown developer"}))
    done = run_checked("publish", str(make_release(tmp_path)), "--store", store.url, "--access-token", TOKEN,
                       "--json")
    assert done.returncode == 10
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "AuthError" and "[NO-ACCESS] unknown developer" in error["message"]
    assert "blocklet config set accessToken" in error["hint"]


def test_invalid_token_is_refused_without_showing_it(cli, httpserver, tmp_path):
    store = FakeStore(httpserver)
    bad = "0x" + "ef" * 40
    done = cli("publish", str(make_release(tmp_path)), "--store", store.url, "--access-token", bad)
    assert done.returncode == 10
    assert "ef" * 40 not in done.stderr + done.stdout and "not a valid secret key" in done.stderr


@pytest.mark.parametrize("args,code,message", [
    (["--store", "store.example.com"], 2, "looks like a host name"),
    (["--store", "ftp://x.example"], 2, "unsupported store url"),
])
def test_bad_store_values(run_checked, tmp_path, args, code, message):
    done = run_checked("publish", str(make_release(tmp_path)), *args)
    assert done.returncode == code and message in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def test_missing_or_broken_release_is_one_line_and_writes_nothing(run_checked, tmp_path):
    store = tmp_path / "store"
    missing = run_checked("publish", str(tmp_path / "nope.json"), "--store", str(store))
    assert missing.returncode == 4 and "no release metadata" in missing.stderr
    broken = tmp_path / "blocklet.json"
    broken.write_text("{not json")
    bad = run_checked("publish", str(broken), "--store", str(store))
    assert bad.returncode == 5 and f"{broken}:1:2" in bad.stderr
    assert not store.exists()


def test_verbose_says_where_each_setting_came_from_without_the_secret(run_checked, httpserver, tmp_path):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path)
    done = run_checked("--verbose", "publish", str(metafile), "--dry-run",
                       env={"BLOCKLET_ACCESS_TOKEN": TOKEN, "BLOCKLET_STORE": store.url, "BLOCKLET_PROFILE": "ci"})
    assert done.returncode == 0, done.stderr
    assert "profile = ci (from env:BLOCKLET_PROFILE)" in done.stderr
    assert f"store = {store.url} (from env:BLOCKLET_STORE)" in done.stderr
    assert "accessToken = ******** (from env:BLOCKLET_ACCESS_TOKEN)" in done.stderr


def test_publish_after_a_version_bump_or_an_edit_rebuilds_the_stale_release(run_checked, project_copy, tmp_path):
    project = project_copy("static-site")
    store = tmp_path / "store"
    first = run_checked("publish", "--store", str(store), "--json", cwd=project)
    assert first.returncode == 0, first.stderr
    version = json.loads(first.stdout)["version"]
    assert run_checked("version", "patch", cwd=project).returncode == 0
    bumped = run_checked("publish", "--store", str(store), "--json", cwd=project)
    assert bumped.returncode == 0, bumped.stderr
    assert f"the release is version {version}" in bumped.stderr
    new_version = json.loads(bumped.stdout)["version"]
    assert new_version != version and f"version: {new_version}" in (project / "blocklet.yml").read_text()

    release = project / ".blocklet/release/blocklet.json"
    index = next(p for p in project.rglob("index.html") if ".blocklet" not in p.parts)
    built = release.stat().st_mtime - 100  # as if the release had been built before index.html was edited
    os.utime(release, (built, built))
    os.utime(index)
    assert index.stat().st_mtime > built
    edited = run_checked("publish", "--store", str(store), "--force", cwd=project)
    assert edited.returncode == 0, edited.stderr
    assert "changed after the release was built" in edited.stderr
    fresh = run_checked("publish", "--store", str(store), "--force", cwd=project)
    assert fresh.returncode == 0 and "building the release" not in fresh.stderr
