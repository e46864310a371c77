"""core/store/connect.py against a real local HTTP server implementing the DID-connect endpoints, which
seals a real answer to the `_ek_` key of the request (libsodium sealed box, as the store does)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from nacl.public import PublicKey, SealedBox
from werkzeug import Request, Response

from blocklet_cli.core import http
from blocklet_cli.core.errors import NetworkError, RemoteError, UsageError
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.store import connect

ACTION = "connect-cli"


class FakeConnectStore:
    """`__blocklet__.js`, `/api/did/<action>/{token,status,timeout}` under a mount point."""

    def __init__(self, server, *, mount: str = "/store", polls_before_success: int = 0, answer: dict | None = None,
                 status: str = "succeed", federated: bool = False):
        self.server = server
        self.mount = mount
        self.polls_before_success = polls_before_success
        self.status = status
        self.secret = Wallet.from_seed(b"k" * 32).secret_key_hex
        self.answer = answer if answer is not None else {
            "secretKey": self.secret, "developerDid": "z1QcHBGUtEjbDpaQHE1RR3coLKoBmbrrZ9z", "name": "Ann",
            "email": "ann@example.com"}
        self.token_requests: list[dict] = []
        self.status_calls = 0
        self.timeouts: list[str] = []
        info = {"componentMountPoints": [{"did": connect.STORE_COMPONENT_DID, "mountPoint": mount}]}
        if federated:
            info["settings"] = {"federated": {"config": {"status": "approved"}, "master": {"appPid": "zMaster"}}}
        server.expect_request("/__blocklet__.js").respond_with_json(info)
        if mount.strip("/"):
            server.expect_request(f"{mount.rstrip('/')}/__blocklet__.js").respond_with_json(info)
        base = f"{mount.rstrip('/')}/api/did/{ACTION}"
        server.expect_request(f"{base}/token").respond_with_handler(self._token)
        server.expect_request(f"{base}/status").respond_with_handler(self._status)
        server.expect_request(f"{base}/timeout").respond_with_handler(self._timeout)

    @property
    def origin(self) -> str:
        return self.server.url_for("/").rstrip("/")

    @property
    def store_url(self) -> str:
        return self.origin + self.mount.rstrip("/")

    def _token(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.token_requests.append({"args": dict(request.args), "headers": headers})
        return Response(json.dumps({"url": "https://wallet.example/connect?x=1", "token": "tok-1"}),
                        content_type="application/json")

    def _status(self, request: Request) -> Response:
        assert request.args["_t_"] == "tok-1"
        self.status_calls += 1
        if self.status_calls <= self.polls_before_success:
            return Response(json.dumps({"status": "created"}), content_type="application/json")
        if self.status == "error":
            return Response(json.dumps({"status": "error", "error": "User declined"}), content_type="application/json")
        if self.status == "http-500":
            return Response(json.dumps({"error": "boom"}), status=500, content_type="application/json")
        ek = self.token_requests[-1]["args"]["_ek_"]
        key = PublicKey(base64.urlsafe_b64decode(ek + "=" * (-len(ek) % 4)))
        sealed = SealedBox(key).encrypt(json.dumps(self.answer).encode())
        return Response(json.dumps({"status": "succeed", "config": base64.b64encode(sealed).decode()}),
                        content_type="application/json")

    def _timeout(self, request: Request) -> Response:
        self.timeouts.append(request.args["_t_"])
        return Response("{}", content_type="application/json")


def _run(store: FakeConnectStore, url: str | None = None, **wait_options):
    with http.client(cache=False) as client:
        base = connect.normalise_store_url(url or store.origin + "/some/page", client)
        session = connect.start(base, ACTION, client)
        return base, session, connect.wait(session, client, interval=0.01, **wait_options)


def test_full_flow_decrypts_the_sealed_answer(httpserver):
    store = FakeConnectStore(httpserver, polls_before_success=2)
    base, session, answer = _run(store)
    assert base == store.store_url  # path of the argument dropped, store mount point added
    assert answer == store.answer
    assert store.status_calls == 3
    [request] = store.token_requests
    ek = request["args"]["_ek_"]
    assert len(base64.urlsafe_b64decode(ek + "=")) == 32 and "=" not in ek
    assert request["args"]["source"] == "Blocklet CLI"
    port = urlsplit(store.origin).port
    assert request["headers"]["x-real-port"] == str(port)
    assert request["headers"]["x-real-hostname"] == "localhost"
    assert request["headers"]["x-real-protocol"] == "http:"
    page = urlsplit(session.page)
    assert page.path == "/store/connect-cli"
    query = parse_qs(page.query)
    assert base64.urlsafe_b64decode(query["__connect_url__"][0] + "==").decode() == "https://wallet.example/connect?x=1"
    assert query["source"] == ["Blocklet CLI"]
    connection = connect.connection_of(base, answer)
    assert connection.to_dict() == {"store": base, "developerDid": store.answer["developerDid"], "name": "Ann",
                                    "email": "ann@example.com"}
    assert store.secret not in repr(connection)


def test_store_without_the_store_component_keeps_the_origin(httpserver):
    httpserver.expect_request("/__blocklet__.js").respond_with_json({"componentMountPoints": []})
    with http.client(cache=False) as client:
        assert connect.normalise_store_url(httpserver.url_for("/x/y"), client) == httpserver.url_for("/").rstrip("/")


def test_store_at_the_root_mount_point(httpserver):
    store = FakeConnectStore(httpserver, mount="/")
    base, _, answer = _run(store)
    assert base == store.origin and answer["name"] == "Ann"


def test_federated_site_sends_source_app_pid(httpserver):
    store = FakeConnectStore(httpserver, federated=True)
    _run(store)
    assert store.token_requests[0]["args"]["sourceAppPid"] == "zMaster"


def test_wallet_error_is_reported(httpserver):
    store = FakeConnectStore(httpserver, status="error")
    with pytest.raises(RemoteError, match=r"failed to connect to store \(User declined\)"):
        _run(store)


def test_http_error_is_reported_with_status(httpserver):
    store = FakeConnectStore(httpserver, status="http-500")
    with pytest.raises(RemoteError, match=r"failed to connect to store [^ ]+ \(\[500\] boom\)"):
        _run(store)


def test_timeout_tells_the_store_and_names_the_option(httpserver):
    store = FakeConnectStore(httpserver, polls_before_success=10**6)
    with pytest.raises(NetworkError, match=r"no answer from the wallet within 0\.05s") as caught:
        _run(store, timeout=0.05)
    assert store.timeouts == ["tok-1"]
    assert "--timeout" in caught.value.hint


def test_answer_sealed_to_another_key_is_refused(httpserver):
    store = FakeConnectStore(httpserver)
    with http.client(cache=False) as client:
        session = connect.start(store.store_url, ACTION, client)
        other = connect.start(store.store_url, ACTION, client)  # the store now seals to this key
        with pytest.raises(RemoteError, match="cannot be decrypted"):
            connect.wait(session, client, interval=0.01)
        assert connect.wait(other, client, interval=0.01)["name"] == "Ann"


def test_invalid_secret_key_in_the_answer_is_refused():
    with pytest.raises(RemoteError, match="invalid secret key"):
        connect.connection_of("http://s.example", {"secretKey": "0x1234"})
    with pytest.raises(RemoteError, match="no secretKey"):
        connect.connection_of("http://s.example", ["z1"])


@pytest.mark.parametrize("url", ["not-a-url", "ftp://store.example", "http://", "store.blocklet.dev"])
def test_bad_store_urls(url):
    with pytest.raises(UsageError, match="invalid store url"):
        connect.origin_of(url)
