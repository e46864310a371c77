"""core/server/client.py against a local HTTP server speaking the Blocklet Server deploy protocol.

Also home of `FakeBlockletServer`, imported by the deploy unit and CLI tests: a pytest-httpserver that
answers `getNodeInfo`, `getBlocklet`, `updateComponentMountPoint` and the `installComponent` multipart request
like Blocklet Server 1.17.12 (its access-key check is ArcBlock/blocklet-server core/webapp/api/index.js),
checking the access-key signature with PyNaCl directly (independent of the code under test).
"""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest
from werkzeug import Request, Response

from blocklet_cli.core import http
from blocklet_cli.core.errors import AuthError, RemoteError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity.wallet import Wallet, encode_z
from blocklet_cli.core.server import client as server
from tests.conftest import RecordingReporter

SERVER_DID = "zNKe5QpWQzsHxhsFrG7oWHSEXNeP6zvD3nka"


class FakeBlockletServer:
    """GraphQL at `<prefix>/api/gql`; `uploads` records each installComponent request."""

    def __init__(self, httpserver, *, prefix: str = "", did_json: bool = False) -> None:
        self.httpserver = httpserver
        self.key = Wallet.from_seed(b"k" * 32)
        self.secret = encode_z(self.key.secret_key)
        self.app = Wallet.from_seed(b"a" * 32, did_core.APPLICATION_TYPE).address
        self.app_title = "Harbor App"
        self.children: list[dict] = []
        self.uploads: list[dict] = []
        self.mount_point_updates: list[dict] = []  # the `input` of each updateComponentMountPoint
        self.requests: list[dict] = []
        self.graphql_errors: list[dict] | None = None
        self.component_did = "component"  # what the server would read from the tarball's blocklet.json
        # the app's status, one entry per getBlocklet answer (the last one stays); uploads made while it is
        # busy are refused as Blocklet Server 1.17.12 refuses them
        self.app_statuses: list[str] = ["running"]
        self.refused_uploads = 0
        self.prefix = prefix
        httpserver.expect_request(f"{prefix}/api/gql", method="POST").respond_with_handler(self.handle)
        if did_json:
            httpserver.expect_request("/.well-known/did.json").respond_with_json(
                {"id": f"did:abt:{SERVER_DID}", "services": [{"type": "server", "path": f"{prefix}/"}]})

    @property
    def url(self) -> str:
        return self.httpserver.url_for("/").rstrip("/")

    @property
    def env(self) -> dict[str, str]:
        return {"BLOCKLET_DEPLOY_ENDPOINT": self.url, "BLOCKLET_DEPLOY_ACCESS_KEY": self.key.address,
                "BLOCKLET_DEPLOY_ACCESS_SECRET": self.secret, "BLOCKLET_DEPLOY_APP_DID": self.app}

    # -- protocol ------------------------------------------------------------------------
    def _auth_error(self, request: Request) -> Response | None:
        from nacl.exceptions import BadSignatureError
        from nacl.signing import VerifyKey

        key_id = request.headers.get("x-access-key-id")
        stamp, signature = request.headers.get("x-access-stamp"), request.headers.get("x-access-signature", "")
        if not key_id or not stamp or not signature:
            return Response(json.dumps({"code": "forbidden", "error": "not allowed"}), 401,
                            content_type="application/json")
        if key_id != self.key.address:
            return Response(json.dumps({"error": f"Access Key {key_id} does not exist"}), 400,
                            content_type="application/json")
        try:
            VerifyKey(self.key.public_key).verify(hashlib.sha3_256(f"{stamp}-{key_id}".encode()).digest(),
                                                  bytes.fromhex(signature.removeprefix("0x")))
        except (BadSignatureError, ValueError):
            return Response(json.dumps({"error": f"verify failed. keyId: {key_id}, signature: {signature}"}), 400,
                            content_type="application/json")
        return None

    def _status(self) -> str:
        return self.app_statuses[0]

    def _app(self) -> dict:
        return {"appDid": self.app, "status": self._status(), "meta": {"did": self.app, "title": self.app_title},
                "environments": [{"key": "BLOCKLET_APP_URL", "value": "https://harbor.example"}],
                "children": self.children}

    def handle(self, request: Request) -> Response:
        self.requests.append({"headers": dict(request.headers), "content_type": request.mimetype})
        if request.mimetype == "multipart/form-data":
            return self._install(request)
        body = request.get_json()
        if "getNodeInfo" in body["query"]:
            return _json({"data": {"getNodeInfo": {"code": "ok", "info": {
                "did": SERVER_DID, "name": "Fake Server", "version": "1.17.12"}}}})
        denied = self._auth_error(request)
        if denied:
            return denied
        if self.graphql_errors:
            return _json({"errors": self.graphql_errors}, 400)
        if "updateComponentMountPoint" in body["query"]:
            return self._update_mount_point(body["variables"]["input"])
        if "getBlocklet" in body["query"]:
            did = body["variables"]["did"]
            if did != self.app:
                return _json({"errors": [{"message": f"blocklet is not valid: {did}", "stack": ["at x.js:1"]}]}, 400)
            answer = _json({"data": {"getBlocklet": {"code": "ok", "blocklet": self._app()}}})
            if len(self.app_statuses) > 1:
                self.app_statuses.pop(0)
            return answer
        return _json({"errors": [{"message": "unexpected query"}]}, 400)

    def _install(self, request: Request) -> Response:
        denied = self._auth_error(request)
        if denied:
            return denied
        if self.graphql_errors:
            return _json({"errors": self.graphql_errors}, 400)
        if self._status() in ("starting", "installing", "stopping", "upgrading", "downloading", "waiting"):
            self.refused_uploads += 1
            return _json({"errors": [{"message": f"Can not deploy blocklet when it is {self._status()}"}]})
        operations = json.loads(request.form["operations"])
        upload = request.files["file0"]
        content = upload.read()
        self.uploads.append({"operations": operations, "map": json.loads(request.form["map"]),
                             "filename": upload.filename, "content_type": upload.mimetype, "content": content,
                             "order": list(request.form) + list(request.files)})
        version = re.search(r"-(\d[^-]*)\.tgz$", operations["variables"]["dist"]["tarball"]).group(1)
        old = next((c for c in self.children if c["meta"]["did"] == self.component_did), None)
        # like 1.17.12: the mount point sent is taken only for a component with a start engine, and an upgrade
        # keeps the one the component has
        mount_point = operations["variables"]["mountPoint"] if _has_start_engine(content) else None
        self.children = [c for c in self.children if c["meta"]["did"] != self.component_did] + [
            {"meta": {"did": self.component_did, "version": version}, "status": "installed",
             "mountPoint": old["mountPoint"] if old else mount_point}]
        return _json({"data": {"installComponent": {"code": "ok", "blocklet": self._app()}}})

    def _update_mount_point(self, variables: dict) -> Response:
        self.mount_point_updates.append(variables)
        child = next((c for c in self.children if c["meta"]["did"] == variables["did"]), None)
        if variables["rootDid"] != self.app or child is None:
            return _json({"errors": [{"message": "component does not exist"}]}, 400)
        child["mountPoint"] = variables["mountPoint"]
        return _json({"data": {"updateComponentMountPoint": {"code": "ok", "blocklet": self._app()}}})


def _has_start_engine(tarball: bytes) -> bool:
    """`@blocklet/meta` `hasStartEngine` of the blocklet.yml/json in a release tarball (True without one)."""
    import io
    import tarfile

    import yaml

    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            names = {member.name: member for member in archive}
            found = names.get("package/blocklet.yml") or names.get("package/blocklet.json")
            extracted = archive.extractfile(found) if found else None
            meta = yaml.safe_load(extracted.read()) if extracted else None
    except (tarfile.TarError, OSError, EOFError):  # the protocol tests upload bytes that are no tarball
        meta = None
    if not isinstance(meta, dict):
        return True
    return meta.get("group") != "static" and bool(meta.get("main") or (meta.get("docker") or {}).get("image"))


def _json(document: object, status: int = 200) -> Response:
    return Response(json.dumps(document), status, content_type="application/json")


@pytest.fixture
def fake(httpserver) -> FakeBlockletServer:
    return FakeBlockletServer(httpserver)


def key_of(fake: FakeBlockletServer) -> server.AccessKey:
    return server.AccessKey.parse(fake.key.address, fake.secret)


# -- access keys ------------------------------------------------------------------------------
def test_access_key_parse_accepts_base58_and_hex_secrets():
    wallet = Wallet.from_seed(b"s" * 32)
    for secret in (encode_z(wallet.secret_key), wallet.secret_key_hex):
        key = server.AccessKey.parse(f"did:abt:{wallet.address}", secret, source="test")
        assert key.key_id == wallet.address
        assert secret not in repr(key)


@pytest.mark.parametrize(("key_id", "secret", "message"), [
    ("not-a-did", "z1", "is not a valid DID"),
    (Wallet.from_seed(b"s" * 32).address, "zzz-not-base58", "is not an Ed25519 secret key"),
    (Wallet.from_seed(b"t" * 32).address, encode_z(Wallet.from_seed(b"s" * 32).secret_key), "does not belong"),
])
def test_access_key_parse_refusals_never_repeat_the_secret(key_id, secret, message):
    with pytest.raises(AuthError, match=message) as caught:
        server.AccessKey.parse(key_id, secret)
    assert secret not in str(caught.value) + str(caught.value.hint)


def test_headers_sign_stamp_and_key_id_with_sha3_ed25519():
    from nacl.signing import VerifyKey

    wallet = Wallet.from_seed(b"s" * 32)
    headers = server.AccessKey.parse(wallet.address, wallet.secret_key_hex).headers("zApp", stamp=1700000000123)
    assert headers["x-access-stamp"] == "1700000000123" and headers["x-access-blocklet"] == "zApp"
    assert headers["x-access-key-id"] == wallet.address
    signature = headers["x-access-signature"]
    assert re.fullmatch(r"0x[0-9a-f]{128}", signature)
    digest = hashlib.sha3_256(f"1700000000123-{wallet.address}".encode()).digest()
    VerifyKey(wallet.public_key).verify(digest, bytes.fromhex(signature[2:]))


def test_did_domain_matches_the_real_server():
    # BLOCKLET_APP_URL reported by Blocklet Server 1.17.12 for this app DID
    assert server.did_domain("zNKqs9NgSDB2sEXaavZybWFSTTVmxb7gTAJX") == \
        "bbqa5f6ydmrl7xdedbzshsoh6eogelcj26vbuc2edpq.did.abtnet.io"


# -- endpoint discovery ------------------------------------------------------------------------
def test_candidates_put_explicit_paths_first_and_end_with_the_origin():
    did_json = {"services": [{"type": "server", "path": "/.well-known/server/admin/"}]}
    assert server.endpoint_candidates("http://h:8089/api/gql", None) == ["http://h:8089"]
    assert server.endpoint_candidates("https://h/admin/", did_json) == [
        "https://h/admin", "https://h/.well-known/server/admin", "https://h"]
    app_info = {"serverDid": SERVER_DID}
    assert server.endpoint_candidates("https://app.example", None, app_info)[-1] == \
        f"https://{server.did_domain(SERVER_DID)}/.well-known/server/admin"


@pytest.mark.parametrize("url", ["ftp://h", "127.0.0.1:8089", "http://"])
def test_endpoint_must_be_http(url):
    with pytest.raises(UsageError, match="invalid endpoint"):
        server.check_endpoint_url(url)


def test_discovery_on_the_daemon_port(fake):
    # the daemon answers __blocklet__.js with JSON (the reference then goes to the internet); we probe GraphQL
    fake.httpserver.expect_request("/__blocklet__.js").respond_with_json({"$signature": "0x00"})
    with http.client() as client:
        endpoint = server.discover_endpoint(client, fake.url)
    assert endpoint.gql_url == fake.url + "/api/gql"
    assert (endpoint.server_did, endpoint.server_name, endpoint.server_version) == (SERVER_DID, "Fake Server",
                                                                                    "1.17.12")


def test_discovery_follows_the_server_service_of_did_json(httpserver):
    fake = FakeBlockletServer(httpserver, prefix="/.well-known/server/admin", did_json=True)
    with http.client() as client:
        endpoint = server.discover_endpoint(client, fake.url + "/some/page")
    assert endpoint.base == fake.url + "/.well-known/server/admin"


def test_discovery_of_an_app_url_learns_the_app_id(httpserver):
    fake = FakeBlockletServer(httpserver)
    httpserver.expect_request("/.well-known/did.json").respond_with_json(
        {"services": [{"type": "blocklet", "path": "/.well-known/service/admin"}]})
    httpserver.expect_request("/__blocklet__.js").respond_with_json({"appPid": fake.app, "serverDid": "zBad"})
    with http.client() as client:
        endpoint = server.discover_endpoint(client, fake.url)
    assert endpoint.app_pid == fake.app


def test_discovery_failure_names_what_was_tried(httpserver):
    httpserver.expect_request("/api/gql").respond_with_data("NOT FOUND", 404)
    url = httpserver.url_for("/").rstrip("/")
    with http.client() as client, pytest.raises(RemoteError, match="no Blocklet Server GraphQL API") as caught:
        server.discover_endpoint(client, url + "/admin")
    assert f"{url}/admin/api/gql" in caught.value.message and f"{url}/api/gql" in caught.value.message


# -- GraphQL calls and error mapping -------------------------------------------------------------
def _endpoint(fake: FakeBlockletServer) -> server.Endpoint:
    return server.Endpoint(fake.url, fake.url)


def test_get_app_signs_the_request(fake):
    with http.client() as client:
        app = server.get_app(client, _endpoint(fake), key_of(fake), fake.app)
    assert app["meta"]["title"] == "Harbor App" and server.app_url(app) == "https://harbor.example"
    headers = fake.requests[-1]["headers"]
    assert headers["X-Access-Blocklet"] == fake.app
    assert abs(int(headers["X-Access-Stamp"]) - time.time() * 1000) < 600_000


def test_unknown_app_is_none(fake):
    other = Wallet.from_seed(b"o" * 32, did_core.APPLICATION_TYPE).address
    with http.client() as client:
        assert server.get_app(client, _endpoint(fake), key_of(fake), other) is None


@pytest.mark.parametrize(("status", "body", "error", "message"), [
    (401, {"code": "forbidden", "error": "not allowed"}, AuthError, "refused access key"),
    (400, {"error": "verify failed. keyId: z1, signature: 0xabc"}, AuthError, "could not verify the signature"),
    (400, {"error": "Access Key z1 does not exist"}, AuthError, "does not exist on this server"),
    (400, {"errors": [{"message": "Invalid blocklet.yml", "stack": ["at secret.js"]}]}, RemoteError,
     "the upload failed: Invalid blocklet.yml$"),
    (500, None, RemoteError, "the upload failed: HTTP 500$"),
    (200, "<html>", RemoteError, "not a GraphQL response"),
    (200, {"data": "x"}, RemoteError, "not a GraphQL response"),
    (200, {"errors": []}, RemoteError, "not a GraphQL response"),
])
def test_server_error_mapping(status, body, error, message):
    key = server.AccessKey.parse(Wallet.from_seed(b"s" * 32).address, Wallet.from_seed(b"s" * 32).secret_key_hex)
    found = server.server_error(status, body, key=key, app_did="zApp", what="the upload")
    assert type(found) is error and re.search(message, found.message)
    assert "0xabc" not in found.message and "secret.js" not in found.message
    assert found.status == status


def test_success_is_no_error():
    key = server.AccessKey.parse(Wallet.from_seed(b"s" * 32).address, Wallet.from_seed(b"s" * 32).secret_key_hex)
    assert server.server_error(200, {"data": {}}, key=key, app_did="zApp", what="x") is None


def test_wrong_signature_is_refused_by_the_server(fake):
    impostor = server.AccessKey(fake.key.address, Wallet.from_seed(b"x" * 32).secret_key_hex)  # skips the check
    with http.client() as client, pytest.raises(AuthError, match="could not verify"):
        server.get_app(client, _endpoint(fake), impostor, fake.app)


def test_install_component_sends_the_graphql_multipart_request(fake, tmp_path):
    tarball = tmp_path / "demo-1.2.3.tgz"
    tarball.write_bytes(b"\x1f\x8b" + b"x" * 200_000)
    reporter = RecordingReporter()
    with http.client() as client, reporter.task("Uploading", unit="bytes") as task:
        app = server.install_component(client, _endpoint(fake), key_of(fake), fake.app, tarball=tarball,
                                       mount_point="/demo", integrity="sha512-abc",
                                       task=task)
    assert app["children"][0]["meta"]["version"] == "1.2.3"
    upload = fake.uploads[0]
    assert upload["order"] == ["operations", "map", "file0"]
    assert upload["map"] == {"file0": ["variables.file"]}
    assert upload["operations"]["variables"] == {"file": None, "rootDid": fake.app, "mountPoint": "/demo",
                                                 "dist": {"tarball": "demo-1.2.3.tgz", "integrity": "sha512-abc"}}
    assert "installComponent(input: { file: $file" in upload["operations"]["query"]
    assert (upload["filename"], upload["content_type"]) == ("demo-1.2.3.tgz", "application/octet-stream")
    assert upload["content"] == tarball.read_bytes()
    assert task.completed == task.total == 200_002


def test_install_component_graphql_errors_are_one_line(fake, tmp_path):
    fake.graphql_errors = [{"message": "Invalid blocklet.yml:\n\"description\" length must be at least 3"}]
    tarball = tmp_path / "demo-1.0.0.tgz"
    tarball.write_bytes(b"x")
    with http.client() as client, pytest.raises(RemoteError) as caught:
        server.install_component(client, _endpoint(fake), key_of(fake), fake.app, tarball=tarball,
                                 mount_point="/demo", integrity="sha512-abc")
    assert caught.value.message == 'the upload failed: Invalid blocklet.yml: "description" length must be at least 3'
