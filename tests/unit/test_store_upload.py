"""core/store/upload.py and core/store/publish.py against a real local HTTP store (pytest-httpserver).

Also home of the helpers other publish tests import: `make_release` (a release folder as
`bundle --create-release` leaves it) and `FakeStore` (the store endpoints `blocklet publish` calls).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from werkzeug import Request, Response

from blocklet_cli.core import http
from blocklet_cli.core.errors import AuthError, BundleError, ComponentError, NotFoundError, RemoteError, UsageError
from blocklet_cli.core.identity import did as did_core
from blocklet_cli.core.identity import signing
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.store import filestore, publish
from blocklet_cli.core.store import upload as store_upload
from tests.conftest import RecordingReporter


def make_release(project: Path, version: str = "1.0.0", *, title: str = "Demo", seed: bytes = b"d" * 32,
                 payload: bytes = b"<h1>hello</h1>", **extra) -> Path:
    """Write `.blocklet/release/{blocklet.json,<name>-<version>.tgz}` and return the metafile."""
    release = project / ".blocklet" / "release"
    release.mkdir(parents=True, exist_ok=True)
    did = did_core.from_public_key(seed, did_core.BLOCKLET_TYPE)
    tgz = release / f"demo-{version}.tgz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/index.html")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    tgz.write_bytes(buffer.getvalue())
    raw = buffer.getvalue()
    meta = {"name": did, "did": did, "title": title, "version": version, "description": "A demo", "group": "static",
            "main": ".", **extra,
            "dist": {"tarball": tgz.name, "size": len(raw),
                     "integrity": "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode()}}
    metafile = release / "blocklet.json"
    metafile.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return metafile


class FakeStore:
    """A store on a pytest-httpserver: store.json, upload (records every request), component metas.

    With `folder`, every other path is a static file of that file-store folder, and with `keep` a successful
    upload is stored there (`filestore.publish`), so the store answers as blocklet/blocklet-store
    blocklets/blocklet-store/api/routes/{upload,blocklet}.js do: `GET /api/blocklets/<did>/<version>/blocklet.json`
    is 200 with the version's metadata, 404 `NOT FOUND` for an unknown blocklet, 500 `fail to get blocklet
    info` for a known blocklet without that version; an upload of a version not above the latest is 400."""

    VERSION_META = re.compile(r"^/api/blocklets/([^/]+)/([^/]+)/blocklet\.json$")

    def __init__(self, server, *, max_bundle_size: str | None = None, answer: tuple[int, object] = (200, {}),
                 folder: Path | None = None, keep: bool = False):
        self.server = server
        self.folder = folder
        self.keep = keep
        self.uploads: list[dict] = []
        self.answer = answer
        info = {"id": "store", "name": "Fake store"}
        if max_bundle_size:
            info["maxBundleSize"] = max_bundle_size
        server.expect_request("/api/store.json").respond_with_json(info)
        server.expect_request("/api/blocklets/upload", method="POST").respond_with_handler(self._upload)
        if folder is not None:  # everything else: static files of a file store folder
            server.expect_request(re.compile("/.*")).respond_with_handler(self._static)
        else:  # an empty store: no blocklet is known
            server.expect_request(self.VERSION_META).respond_with_json({"error": "NOT FOUND"}, status=404)

    def requests(self, method: str, pattern: str = ".*") -> list[Request]:
        """The requests the server received (its log), by method and path pattern."""
        return [request for request, _ in self.server.log
                if request.method == method and re.fullmatch(pattern, request.path)]

    def _static(self, request: Request) -> Response:
        path = (self.folder / request.path.lstrip("/")).resolve()
        if not path.is_file() or self.folder.resolve() not in path.parents:
            found = self.VERSION_META.match(request.path)
            if found and (self.folder / "api" / "blocklets" / found.group(1)).is_dir():
                return Response(json.dumps({"error": "fail to get blocklet info"}), status=500,
                                content_type="application/json")
            return Response(json.dumps({"error": "NOT FOUND"}), status=404, content_type="application/json")
        kind = "application/json" if path.suffix == ".json" else "application/octet-stream"
        return Response(b"" if request.method == "HEAD" else path.read_bytes(), content_type=kind)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _upload(self, request: Request) -> Response:
        meta_part = request.files["blocklet-meta"]
        tarball = request.files["blocklet-tarball"]
        self.uploads.append({
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "form": dict(request.form),
            "meta_filename": meta_part.filename, "meta_type": meta_part.mimetype, "meta_raw": meta_part.read(),
            "tarball_filename": tarball.filename, "tarball_type": tarball.mimetype, "tarball": tarball.read(),
        })
        status, body = self.answer
        if self.keep and self.folder is not None and status == 200:
            refused = self._keep(self.uploads[-1])
            if refused is not None:
                status, body = 400, {"error": refused}
        if isinstance(body, str):
            return Response(body, status=status, content_type="text/plain")
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _keep(self, upload: dict) -> str | None:
        import semver

        meta = json.loads(upload["meta_raw"])
        index = json.loads((self.folder / "api/blocklets.json").read_text()) if (
            self.folder / "api/blocklets.json").is_file() else {"blocklets": {}}
        latest = index["blocklets"].get(meta["did"], {}).get("latest")
        if latest and semver.Version.parse(meta["version"]) <= semver.Version.parse(latest):
            return f"Can't upload blocklet version less than {latest}"
        staged = self.folder.parent / f"upload-{len(self.uploads)}" / upload["tarball_filename"]
        staged.parent.mkdir(parents=True)
        staged.write_bytes(upload["tarball"])
        filestore.publish(self.folder, meta, staged)
        return None


@pytest.fixture
def token() -> str:
    return Wallet.from_seed(b"t" * 32).secret_key_hex


def _publish(store: FakeStore, metafile: Path, token: str | None):
    release = publish.load_release(metafile)
    with http.client() as client:
        plan = publish.plan(release, store.url, token=token, token_source="flag", client=client)
        reporter = RecordingReporter()
        return publish.execute(plan, client=client, reporter=reporter), reporter.tasks[0]


def test_upload_sends_the_reference_multipart_request(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(200, {"status": "published"}))
    metafile = make_release(tmp_path, title="Démo")
    result, task = _publish(store, metafile, token)
    assert result.outcome["status"] == "published"
    [upload] = store.uploads
    meta = json.loads(upload["meta_raw"])
    assert upload["headers"]["blocklet-version"] == "1.0.0"
    assert upload["headers"]["blocklet-did"] == meta["did"]
    assert upload["form"] == {"source": "CLI"}
    assert (upload["meta_filename"], upload["meta_type"]) == ("blocklet.json", "application/json")
    assert (upload["tarball_filename"], upload["tarball_type"]) == ("demo-1.0.0.tgz", "application/octet-stream")
    assert upload["tarball"] == (tmp_path / ".blocklet/release/demo-1.0.0.tgz").read_bytes()
    assert upload["meta_raw"] == signing.js_stringify(meta).encode()  # compact JSON, original key order
    assert list(meta)[-1] == "signatures" and signing.verify_meta(meta)
    assert meta["signatures"][0]["signer"] == Wallet.from_secret_key(token).address
    assert "authorization" not in upload["headers"]
    assert task.completed == task.total == len(upload["tarball"]) + len(upload["meta_raw"])
    assert (task.description, task.unit, task.state) == ("Uploading demo-1.0.0.tgz", "bytes", "finished")


def test_uploaded_status_other_than_published(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(200, {"status": "uploaded"}))
    result, _ = _publish(store, make_release(tmp_path), token)
    assert result.to_dict()["result"]["status"] == "uploaded"


def test_http_plan_sent_without_a_client_is_a_usage_error(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(200, {"status": "published"}))
    with http.client() as client:
        plan = publish.plan(publish.load_release(make_release(tmp_path)), store.url, token=token,
                            token_source="flag", client=client)
    with pytest.raises(UsageError, match="an HTTP client is required"):
        publish.execute(plan)
    assert store.uploads == []


def test_store_error_body_is_kept_as_written(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(400, {"error": "Blocklet version 1.0.0 already exists"}))
    with pytest.raises(RemoteError) as caught:
        _publish(store, make_release(tmp_path), token)
    host = store.url.split("//")[1]
    assert caught.value.message == f"upload failed: [400] Blocklet version 1.0.0 already exists ({host})"
    assert caught.value.status == 400


def test_plain_text_error_body_is_kept_as_written(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(502, "Bad gateway: upstream down"))
    with pytest.raises(RemoteError, match=r"upload failed: \[502\] Bad gateway: upstream down"):
        _publish(store, make_release(tmp_path), token)


def test_no_access_error_names_the_settings_to_fix(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(403, {"error": "[NO-ACCESS] developer not found"}))
    with pytest.raises(AuthError) as caught:
        _publish(store, make_release(tmp_path), token)
    assert "blocklet config set accessToken" in caught.value.hint
    assert "--access-token" in caught.value.hint and "BLOCKLET_ACCESS_TOKEN" in caught.value.hint


def test_max_bundle_size_is_checked_before_uploading(httpserver, tmp_path, token):
    store = FakeStore(httpserver, max_bundle_size="100B")
    metafile = make_release(tmp_path, payload=bytes(range(256)) * 4)
    with pytest.raises(UsageError, match="exceeds the store's maximum bundle size 100B"):
        _publish(store, metafile, token)
    assert store.uploads == []


def test_missing_token_for_an_http_store(httpserver, tmp_path):
    store = FakeStore(httpserver)
    with pytest.raises(AuthError, match="an access token is required") as caught:
        _publish(store, make_release(tmp_path), None)
    assert "BLOCKLET_ACCESS_TOKEN" in caught.value.hint


def test_invalid_token_does_not_repeat_it(httpserver, tmp_path):
    store = FakeStore(httpserver)
    bad = "0x" + "cd" * 40
    with pytest.raises(AuthError) as caught:
        _publish(store, make_release(tmp_path), bad)
    assert "cd" * 40 not in str(caught.value) and "not a valid secret key" in caught.value.message


def test_paid_blocklet_is_refused(httpserver, tmp_path, token):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path, payment={"price": [{"address": "z35n…", "value": 1}], "share": []})
    with pytest.raises(UsageError, match="paid blocklets cannot be published"):
        _publish(store, metafile, token)


PRICE = {"price": [{"address": "z35nNRvYxBoHitx9yZ5ATS88psfShzPPBLxYD", "value": 2.5, "symbol": "TBA"}],
         "share": []}


def _component(store: FakeStore, tmp_path: Path, seed: bytes, title: str, **extra) -> dict:
    """Publish a component release into a file store served by the fake store; its `components` entry."""
    metafile = make_release(tmp_path / title, title=title, seed=seed, **extra)
    release = publish.load_release(metafile)
    signed = signing.sign_meta(release.meta, Wallet.generate())
    filestore.publish(store.folder, signed, release.tarball)
    return {"name": signed["name"], "title": title, "mountPoint": f"/{title.lower()}",
            "source": {"store": store.url, "name": signed["name"]}}


def test_free_blocklet_with_paid_component_is_refused(httpserver, tmp_path, token):
    store = FakeStore(httpserver, folder=tmp_path / "store")
    paid = _component(store, tmp_path, b"p" * 32, "Paid", payment=PRICE)
    metafile = make_release(tmp_path, title="Free App", components=[paid])
    with pytest.raises(ComponentError, match='Paid component "Paid" found in free blocklet "Free App"'):
        _publish(store, metafile, token)
    assert store.uploads == []


def test_paid_component_nested_deeper_is_found(httpserver, tmp_path, token):
    store = FakeStore(httpserver, folder=tmp_path / "store")
    deep = _component(store, tmp_path, b"q" * 32, "Deep", payment=PRICE)
    middle = _component(store, tmp_path, b"m" * 32, "Mid", components=[deep])
    metafile = make_release(tmp_path, components=[middle])
    with pytest.raises(ComponentError, match='Paid component "Deep" found in free blocklet "Mid"'):
        _publish(store, metafile, token)


def test_free_components_pass(httpserver, tmp_path, token):
    store = FakeStore(httpserver, answer=(200, {"status": "published"}), folder=tmp_path / "store")
    free = _component(store, tmp_path, b"f" * 32, "Free")
    metafile = make_release(tmp_path, components=[free])
    _publish(store, metafile, token)
    assert len(store.uploads) == 1


def test_legacy_charging_becomes_payment_before_signing(httpserver, tmp_path, token):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path, charging={"tokens": [], "shares": [{"name": "dev", "address": "z1", "share": 1}]})
    _publish(store, metafile, token)
    meta = json.loads(store.uploads[0]["meta_raw"])
    assert "charging" not in meta
    assert meta["payment"] == {"price": [], "share": [{"name": "dev", "address": "z1", "value": 1}]}


def test_stale_tarball_is_refused(tmp_path, token, httpserver):
    store = FakeStore(httpserver)
    metafile = make_release(tmp_path)
    (tmp_path / ".blocklet/release/demo-1.0.0.tgz").write_bytes(b"something else entirely")
    with pytest.raises(BundleError, match="does not match its metadata"):
        _publish(store, metafile, token)


def test_missing_release_files(tmp_path):
    with pytest.raises(NotFoundError, match="no release metadata"):
        publish.load_release(tmp_path / "blocklet.json")
    metafile = make_release(tmp_path)
    (metafile.parent / "demo-1.0.0.tgz").unlink()
    with pytest.raises(NotFoundError, match="release tarball"):
        publish.load_release(metafile)
    metafile.write_text("{broken")
    with pytest.raises(Exception, match="not JSON") as caught:
        publish.load_release(metafile)
    assert caught.value.location == f"{metafile}:1:2"


@pytest.mark.parametrize("text,size", [  # what xbytes.parseSize answers
    ("100MB", 100_000_000), ("1.5 GiB", 1610612736), ("10kb", 1250), ("10KB", 10_000), ("8Mb", 1_000_000),
    ("1 mb", 125_000), ("1 KIB", 1024), ("1kib", 128), ("512B", 512), ("512b", 64), ("512", None), (".5MB", None),
    (" 1MB ", None), ("lots", None), (2048, 2048)])
def test_parse_size_uses_xbytes_syntax(text, size):
    assert store_upload.parse_size(text) == size


def test_store_target_values():
    assert publish.store_target("https://store.example/") == "https://store.example"
    assert publish.store_target("./folder") == "./folder"
    with pytest.raises(UsageError, match="looks like a host name"):
        publish.store_target("store.blocklet.dev")
    with pytest.raises(UsageError, match="unsupported store url"):
        publish.store_target("ftp://x.example")
