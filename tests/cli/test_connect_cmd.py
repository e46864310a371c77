"""`blocklet connect` through the real console script against a local DID-connect store."""

from __future__ import annotations

import json

from blocklet_cli.core.identity.wallet import Wallet
from tests.unit.test_connect import FakeConnectStore


def _no_secret(done, store: FakeConnectStore) -> None:
    wallet = Wallet.from_secret_key(store.secret)
    for form in (store.secret, wallet.secret_key.hex(), wallet.seed.hex()):
        assert form not in done.stdout and form not in done.stderr
    assert "Traceback" not in done.stderr


def test_connect_saves_the_answer_in_the_profile(cli, httpserver, isolated_home):
    store = FakeConnectStore(httpserver)
    done = cli("connect", store.origin + "/anything", "--profile", "dev", "--json")
    _no_secret(done, store)
    assert done.returncode == 0, done.stderr
    ini = (isolated_home / ".arcblock" / "blocklet.ini").read_text()
    assert ini == (f"\n[dev]\nstore={store.store_url}\naccessToken={store.secret}\n"
                   f"developerDid={store.answer['developerDid']}\nname=Ann\nemail=ann@example.com\n").lstrip("\n")
    result = json.loads(done.stdout)
    assert result["store"] == store.store_url and result["profile"] == "dev" and "accessToken" not in result
    assert f"{store.store_url}/connect-cli?__connect_url__=" in done.stderr  # the link is printed
    assert f"Waiting for connection: {store.store_url}" in done.stderr


def test_a_different_store_in_the_profile_needs_force_in_ci(cli, httpserver, isolated_home):
    store = FakeConnectStore(httpserver)
    assert cli("config", "set", "store", "https://other.example").returncode == 0
    refused = cli("connect", store.origin)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert store.token_requests == []
    forced = cli("connect", store.origin, "--force")
    _no_secret(forced, store)
    assert forced.returncode == 0, forced.stderr
    assert "Connected: you are ready to publish blocklets to" in forced.stderr
    assert f"store={store.store_url}\n" in (isolated_home / ".arcblock" / "blocklet.ini").read_text()


def test_timeout_exits_8_and_tells_the_store(cli, httpserver, isolated_home):
    store = FakeConnectStore(httpserver, polls_before_success=10**6)
    done = cli("connect", store.origin, "--timeout", "0")
    assert done.returncode == 8 and "no answer from the wallet" in done.stderr
    assert store.timeouts == ["tok-1"]
    assert not (isolated_home / ".arcblock" / "blocklet.ini").exists()


def test_invalid_url_is_a_usage_error(cli):
    done = cli("connect", "not-a-url")
    assert done.returncode == 2 and "invalid store url" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
