"""core/store/filestore.py: the static file store layout, versions, latest, locking, and that it works as a
component store for the resolver of core/components/resolve.py (over HTTP and as file:// URLs)."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import pytest

from blocklet_cli.core import http
from blocklet_cli.core.components import resolve as components
from blocklet_cli.core.errors import ConflictError
from blocklet_cli.core.identity import signing
from blocklet_cli.core.identity.wallet import Wallet
from blocklet_cli.core.store import filestore, publish
from tests.conftest import static_web_server
from tests.unit.test_store_upload import FakeStore, make_release


def _signed(project: Path, version: str, **extra) -> tuple[dict, Path]:
    release = publish.load_release(make_release(project / version, version, **extra))
    meta = signing.sign_meta(release.meta, Wallet.from_seed(b"s" * 32))
    return meta, release.tarball


def test_layout_of_a_first_publish(tmp_path):
    meta, tarball = _signed(tmp_path, "1.0.0")
    root = tmp_path / "store"
    result = filestore.publish(root, meta, tarball)
    did = meta["did"]
    base = root / "api" / "blocklets" / did
    assert result.latest and result.previous_latest is None and not result.replaced
    assert json.loads((base / "1.0.0" / "blocklet.json").read_text()) == meta
    assert (base / "blocklet.json").read_bytes() == (base / "1.0.0" / "blocklet.json").read_bytes()
    assert (base / "1.0.0" / "demo-1.0.0.tgz").read_bytes() == tarball.read_bytes()
    assert (base / "demo-1.0.0.tgz").read_bytes() == tarball.read_bytes()
    assert signing.verify_meta(json.loads((base / "blocklet.json").read_text()))
    assert json.loads((root / "api" / "store.json").read_text())["kind"] == "file"
    index = json.loads((root / "api" / "blocklets.json").read_text())
    assert index["blocklets"][did]["latest"] == "1.0.0" and index["blocklets"][did]["versions"] == ["1.0.0"]
    assert result.to_dict()["store"] == root.resolve().as_uri()


def test_same_version_is_refused_unless_forced(tmp_path):
    meta, tarball = _signed(tmp_path, "1.0.0")
    root = tmp_path / "store"
    filestore.publish(root, meta, tarball)
    before = (root / "api" / "blocklets" / meta["did"] / "1.0.0" / "blocklet.json").read_bytes()
    with pytest.raises(ConflictError, match="already in the store") as caught:
        filestore.publish(root, meta, tarball)
    assert "--force" in caught.value.hint
    assert (root / "api" / "blocklets" / meta["did"] / "1.0.0" / "blocklet.json").read_bytes() == before
    again = signing.sign_meta({**meta, "description": "changed"}, Wallet.generate())
    assert filestore.publish(root, again, tarball, force=True).replaced
    latest = root / "api" / "blocklets" / meta["did"] / "blocklet.json"
    assert json.loads(latest.read_text())["description"] == "changed"


def test_latest_only_moves_forward_by_semver(tmp_path):
    root = tmp_path / "store"
    for version in ("1.2.0", "1.10.0", "1.9.0", "1.10.0-beta.1"):
        meta, tarball = _signed(tmp_path, version)
        result = filestore.publish(root, meta, tarball)
        assert result.latest == (version in ("1.2.0", "1.10.0"))
    base = root / "api" / "blocklets" / meta["did"]
    assert json.loads((base / "blocklet.json").read_text())["version"] == "1.10.0"
    assert sorted(p.name for p in base.glob("*.tgz")) == ["demo-1.10.0.tgz"]  # the old latest link is gone
    index = json.loads((root / "api" / "blocklets.json").read_text())["blocklets"][meta["did"]]
    assert index["versions"] == ["1.2.0", "1.9.0", "1.10.0-beta.1", "1.10.0"] and index["latest"] == "1.10.0"


def test_store_json_written_by_the_user_is_kept(tmp_path):
    root = tmp_path / "store"
    (root / "api").mkdir(parents=True)
    (root / "api" / "store.json").write_text('{"name": "Team store", "maxBundleSize": "50MB"}')
    meta, tarball = _signed(tmp_path, "1.0.0")
    filestore.publish(root, meta, tarball)
    assert json.loads((root / "api" / "store.json").read_text()) == {"name": "Team store", "maxBundleSize": "50MB"}


def _publish_one(args: tuple[str, str, str]) -> bool:
    root, project, version = args
    meta, tarball = _signed(Path(project), version)
    return filestore.publish(Path(root), meta, tarball).latest


def test_concurrent_publishes_into_one_folder_are_all_kept(tmp_path):
    root = tmp_path / "store"
    versions = [f"1.0.{n}" for n in (3, 7, 1, 5, 0, 6, 2, 4)]
    with ProcessPoolExecutor(max_workers=4) as pool:
        list(pool.map(_publish_one, [(str(root), str(tmp_path / "p"), v) for v in versions]))
    did = json.loads((tmp_path / "p" / "1.0.0" / ".blocklet/release/blocklet.json").read_text())["did"]
    base = root / "api" / "blocklets" / did
    assert json.loads((base / "blocklet.json").read_text())["version"] == "1.0.7"
    assert sorted(p.name for p in base.iterdir() if p.is_dir()) == sorted(versions)
    index = json.loads((root / "api" / "blocklets.json").read_text())["blocklets"][did]
    assert index["versions"] == sorted(versions)
    assert not list(root.rglob("*.tmp"))


@pytest.mark.parametrize("target,expected", [("file:///srv/store", "/srv/store"), ("file://localhost/srv/s", "/srv/s"),
                                             ("/abs/path", "/abs/path")])
def test_root_of_urls_and_paths(target, expected):
    assert filestore.is_file_store(target)
    assert filestore.root_of(target) == Path(expected)
    assert not filestore.is_file_store("https://store.blocklet.dev")


@pytest.fixture
def static_server(tmp_path):
    """`python -m http.server` serving a file store folder."""
    root = tmp_path / "served"
    root.mkdir()
    with static_web_server(root) as url:
        yield root, url


def test_python_http_server_serving_the_folder_serves_metas_and_resolvable_tarballs(tmp_path, static_server):
    root, url = static_server
    for version in ("1.0.0", "1.1.0"):
        meta, tarball = _signed(tmp_path, version)
        filestore.publish(root, meta, tarball)
    with http.client() as client:
        assert client.get_json(f"{url}/api/store.json")["kind"] == "file"
        for version, expected in ((None, "1.1.0"), ("1.0.0", "1.0.0")):
            meta_url = filestore.meta_url(url, meta["did"], version)
            served = client.get_json(meta_url)
            assert served["version"] == expected and signing.verify_meta(served)
            tarball_url = urljoin(meta_url, served["dist"]["tarball"])
            assert client.get(tarball_url).content == (tmp_path / expected / ".blocklet/release"
                                                       / f"demo-{expected}.tgz").read_bytes()


def test_a_web_server_serving_the_folder_is_a_component_store_for_the_resolver(tmp_path, httpserver):
    root = tmp_path / "store"
    store = FakeStore(httpserver, folder=root)
    for version in ("1.0.0", "1.1.0"):
        meta, tarball = _signed(tmp_path, version)
        filestore.publish(root, meta, tarball)
    app = {"name": "app", "components": [
        {"name": meta["name"], "mountPoint": "/demo", "source": {"store": store.url, "name": meta["name"]}},
        {"name": "pinned", "mountPoint": "/old",
         "source": {"store": store.url, "name": meta["name"], "version": "1.0.0"}},
    ]}
    latest, pinned = components.verify_tree(app, cache_dir=tmp_path / "cache").components
    assert latest.version == "1.1.0" and pinned.version == "1.0.0"
    assert latest.tarball == f"{store.url}/api/blocklets/{meta['did']}/demo-1.1.0.tgz"
    assert pinned.tarball == f"{store.url}/api/blocklets/{meta['did']}/1.0.0/demo-1.0.0.tgz"


def test_the_folder_itself_is_a_component_store_through_file_urls(tmp_path):
    root = tmp_path / "store"
    meta, tarball = _signed(tmp_path, "2.0.0")
    filestore.publish(root, meta, tarball)
    meta_url = filestore.meta_url(filestore.url_of(root), meta["did"])
    app = {"name": "app", "components": [{"name": meta["name"], "mountPoint": "/demo", "source": {"url": meta_url}}]}
    [resolved] = components.verify_tree(app, cache_dir=tmp_path / "cache").components
    assert resolved.version == "2.0.0"
    assert http.file_url_path(resolved.tarball).read_bytes() == tarball.read_bytes()
