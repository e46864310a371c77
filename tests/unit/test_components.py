"""Component resolution (core/components/resolve.py) against real local stores (pytest-httpserver).

`FakeStore` and `store_meta` are also used by the CLI tests of `add` / `remove`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from blocklet_cli.core.components.cache import ComponentCache
from blocklet_cli.core.components.resolve import store_meta_url, verify_tree
from blocklet_cli.core.errors import ComponentError
from blocklet_cli.core.identity.did import to_blocklet_did
from tests.conftest import RecordingReporter


def store_meta(name: str, version: str = "1.0.0", *, group: str = "static", components: list | None = None,
               title: str | None = None, did: str | None = None) -> dict:
    """A release `blocklet.json` as a store serves it (real DID of the name, `dist` next to it)."""
    tarball = f"{name}-{version}.tgz"
    meta = {
        "name": name, "did": did or to_blocklet_did(name), "version": version,
        "title": title or name.replace("-", " ").title(), "description": f"The {name} blocklet for tests",
        "group": group, "specVersion": "1.2.8",
        "interfaces": [{"type": "web", "name": "publicUrl", "path": "/", "prefix": "*", "port": "BLOCKLET_PORT",
                        "protocol": "http"}],
        "dist": {"tarball": tarball, "size": 20,
                 "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball.encode()).digest()).decode()},
    }
    if components is not None:
        meta["components"] = components
    return meta


def store_entry(name: str, store: str | list[str], *, version: str = "latest", mount: str | None = None) -> dict:
    entry: dict = {"name": name, "mountPoint": mount or f"/{name}",
                   "source": {"store": store, "name": name, "version": version}}
    return entry


class FakeStore:
    """A Blocklet Store layout on a real local HTTP server (the read API the reference resolves components from)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for("/").rstrip("/")

    def publish(self, meta: dict, *, tarball_type: str = "application/octet-stream", delay: float = 0.0) -> None:
        """Serve `meta` as latest and as its exact version, and HEAD of its tarball next to each."""
        base = f"/api/blocklets/{meta['did']}"
        body = json.dumps(meta)

        def answer(request: Request) -> Response:
            if delay:
                time.sleep(delay)
            return Response(body, content_type="application/json")

        for folder in (base, f"{base}/{meta['version']}"):
            self.server.expect_request(f"{folder}/blocklet.json", method="GET").respond_with_handler(answer)
            self.server.expect_request(f"{folder}/{meta['dist']['tarball']}", method="HEAD").respond_with_data(
                b"", content_type=tarball_type)

    def serve_raw(self, name: str, body: str | bytes, *, status: int = 200, delay: float = 0.0) -> None:
        """Answer the latest meta URL of `name` with anything."""

        def answer(request: Request) -> Response:
            if delay:
                time.sleep(delay)
            return Response(body, status=status, content_type="application/json")

        self.server.expect_request(f"/api/blocklets/{to_blocklet_did(name)}/blocklet.json").respond_with_handler(
            answer)

    def requests(self) -> list[str]:
        return [f"{request.method} {request.path}" for request, _ in self.server.log]


@pytest.fixture
def new_store() -> Iterator[Callable[[], FakeStore]]:
    servers: list[HTTPServer] = []

    def make() -> FakeStore:
        server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        server.start()
        servers.append(server)
        return FakeStore(server)

    yield make
    for server in servers:
        server.clear()
        if server.is_running():
            server.stop()


def closed_port_store() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def project(name: str, components: list) -> dict:
    return {"name": name, "did": to_blocklet_did(name), "version": "1.0.0", "components": components}


# -- sources ---------------------------------------------------------------------------------
def test_latest_store_source_fetches_meta_then_heads_the_tarball(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("harbor-lights", "0.3.1"))
    tree = verify_tree(project("hub", [store_entry("harbor-lights", store.url, mount="/timetable")]),
                       project_dir=tmp_path)
    did = to_blocklet_did("harbor-lights")
    assert store.requests() == [f"GET /api/blocklets/{did}/blocklet.json",
                                f"HEAD /api/blocklets/{did}/harbor-lights-0.3.1.tgz"]
    [node] = tree.components
    assert (node.name, node.did, node.version, node.mount_point) == ("harbor-lights", did, "0.3.1", "/timetable")
    assert node.tarball == f"{store.url}/api/blocklets/{did}/harbor-lights-0.3.1.tgz"
    assert tree.to_dict()["components"][0]["sourceIndex"] == 0


def test_exact_version_goes_into_the_store_url(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("ferry-ledger", "1.4.0"))
    tree = verify_tree(project("hub", [store_entry("ferry-ledger", store.url, version="1.4.0")]),
                       project_dir=tmp_path)
    assert tree.components[0].meta_url == store_meta_url(store.url, "ferry-ledger", "1.4.0")
    assert f"/{to_blocklet_did('ferry-ledger')}/1.4.0/blocklet.json" in tree.components[0].meta_url


def test_url_source_and_file_sources(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("remote-one"))
    release = tmp_path / "other" / ".blocklet" / "release"
    release.mkdir(parents=True)
    (release / "blocklet.json").write_text(json.dumps(store_meta("local-one", "2.0.0")))
    (release / "local-one-2.0.0.tgz").write_bytes(b"\x1f\x8b")
    components = [
        {"name": "remote-one", "mountPoint": "/r",
         "source": {"url": f"{store.url}/api/blocklets/{to_blocklet_did('remote-one')}/blocklet.json"}},
        {"name": "local-one", "mountPoint": "/l", "source": {"url": (release / "blocklet.json").as_uri()}},
        {"name": "local-one", "mountPoint": "/l2", "source": {"url": "file:other/.blocklet/release/blocklet.json"}},
    ]
    with pytest.raises(ComponentError, match="listed twice"):
        verify_tree(project("hub", components), project_dir=tmp_path)
    components[2]["name"] = "local-copy"
    components[2]["source"]["url"] = "file:other/.blocklet/release/blocklet.json"
    with pytest.raises(ComponentError, match="invalid name: expected local-copy, got local-one"):
        verify_tree(project("hub", components), project_dir=tmp_path)
    del components[2]["name"]
    tree = verify_tree(project("hub", components), project_dir=tmp_path)
    assert [c.name for c in tree.components] == ["remote-one", "local-one", "local-one"]
    assert tree.components[1].tarball == (release / "local-one-2.0.0.tgz").as_uri()
    assert tree.components[2].meta_url == (release / "blocklet.json").as_uri()


def test_store_source_without_store_uses_the_default_or_fails(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("plain"))
    entry = {"name": "plain", "mountPoint": "/p", "source": {"name": "plain"}}
    with pytest.raises(ComponentError, match="missing 'store' in source of component plain"):
        verify_tree(project("hub", [entry]), project_dir=tmp_path)
    tree = verify_tree(project("hub", [entry]), project_dir=tmp_path, default_store=store.url)
    assert tree.components[0].meta_url.startswith(store.url)


# -- fallback --------------------------------------------------------------------------------
def _second_store_wins(new_store, tmp_path, first: str, **options) -> tuple:
    good = new_store()
    good.publish(store_meta("static-demo"))
    tree = verify_tree(project("hub", [store_entry("static-demo", [first, good.url])]), project_dir=tmp_path,
                       **options)
    node = tree.components[0]
    assert node.source_index == 1
    assert node.meta_url.startswith(good.url)
    assert [s.url for s in node.skipped] == [store_meta_url(first, "static-demo")]
    return node.skipped[0].reason, node


def test_first_store_down_falls_back_to_the_second(new_store, tmp_path):
    reason, _ = _second_store_wins(new_store, tmp_path, closed_port_store())
    assert "connection refused" in reason


def test_first_store_too_slow_falls_back_to_the_second(new_store, tmp_path):
    slow = new_store()
    slow.publish(store_meta("static-demo"), delay=1.0)
    reason, _ = _second_store_wins(new_store, tmp_path, slow.url, timeout=0.3)
    assert "timed out after 0.3s" in reason


@pytest.mark.parametrize(("body", "status", "expected"), [
    ("oops", 500, "HTTP 500"),
    ("{broken", 200, "not valid JSON"),
    ("[1, 2]", 200, "not a JSON object"),
    (json.dumps(store_meta("another-blocklet")), 200, "invalid name: expected static-demo, got another-blocklet"),
    (json.dumps({**store_meta("static-demo"), "did": to_blocklet_did("x")}), 200,
     f'invalid metadata: /did The did of name "static-demo" should be "{to_blocklet_did("static-demo")}"'),
    (json.dumps({k: v for k, v in store_meta("static-demo").items() if k != "dist"}), 200, "invalid metadata"),
])
def test_unhealthy_first_store_is_skipped(new_store, tmp_path, body, status, expected):
    bad = new_store()
    bad.serve_raw("static-demo", body, status=status)
    reason, _ = _second_store_wins(new_store, tmp_path, bad.url)
    assert expected in reason


def test_tarball_with_wrong_content_type_is_skipped(new_store, tmp_path):
    bad = new_store()
    bad.publish(store_meta("static-demo"), tarball_type="text/html")
    reason, _ = _second_store_wins(new_store, tmp_path, bad.url)
    assert "content type text/html" in reason


def test_earliest_listed_healthy_source_wins_even_when_slower(new_store, tmp_path):
    first, second = new_store(), new_store()
    first.publish(store_meta("static-demo", "1.0.0"), delay=0.3)
    second.publish(store_meta("static-demo", "9.9.9"))
    tree = verify_tree(project("hub", [store_entry("static-demo", [first.url, second.url])]), project_dir=tmp_path)
    assert (tree.components[0].source_index, tree.components[0].version) == (0, "1.0.0")


def test_all_sources_failing_names_each_one(new_store, tmp_path):
    bad = new_store()
    bad.serve_raw("static-demo", "oops", status=500)
    down = closed_port_store()
    with pytest.raises(ComponentError) as info:
        verify_tree(project("hub", [store_entry("static-demo", [down, bad.url])]), project_dir=tmp_path)
    message = str(info.value)
    assert message.startswith("cannot resolve component static-demo: ")
    assert store_meta_url(down, "static-demo") in message and store_meta_url(bad.url, "static-demo") in message
    assert "HTTP 500" in message and "\n" not in message


# -- whole trees -----------------------------------------------------------------------------
def test_nested_tree_keeps_order_and_reports_progress(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("leaf-a"))
    store.publish(store_meta("leaf-b"))
    store.publish(store_meta("middle", components=[store_entry("leaf-a", store.url), store_entry("leaf-b", store.url)]))
    store.publish(store_meta("solo"))
    reporter = RecordingReporter()
    tree = verify_tree(project("hub", [store_entry("middle", store.url), store_entry("solo", store.url)]),
                       project_dir=tmp_path, reporter=reporter)
    assert [c.name for c in tree.components] == ["middle", "solo"]
    assert [c.name for c in tree.components[0].children] == ["leaf-a", "leaf-b"]
    assert [c.name for c in tree.walk()] == ["middle", "leaf-a", "leaf-b", "solo"]
    assert tree.count == 4 and tree.to_dict()["count"] == 4
    [task] = reporter.tasks
    assert [amount for amount, _, _ in task.advances] == [1, 1, 1, 1] and task.completed == task.total == 4
    assert sorted(task.descriptions[1:]) == ["leaf-a", "leaf-b", "middle", "solo"] and task.state == "finished"
    requests = store.requests()
    assert len(requests) == len(set(requests)) == 8  # children prefetched during the HEAD, never twice


def test_cycle_of_three_is_printed_as_a_path(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("cycle-b", components=[store_entry("cycle-c", store.url)]))
    store.publish(store_meta("cycle-c", components=[store_entry("cycle-a", store.url)]))
    store.publish(store_meta("cycle-a", components=[store_entry("cycle-b", store.url)]))
    with pytest.raises(ComponentError, match=r"circular dependency: cycle-a → cycle-b → cycle-c → cycle-a$"):
        verify_tree(project("cycle-a", [store_entry("cycle-b", store.url)]), project_dir=tmp_path)


def test_gateway_component_is_refused(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("some-gate", group="gateway", title="Some Gate"))
    with pytest.raises(ComponentError, match="cannot add gateway component Some Gate"):
        verify_tree(project("hub", [store_entry("some-gate", store.url)]), project_dir=tmp_path)


def test_dapp_component_without_web_interface_is_refused(new_store, tmp_path):
    store = new_store()
    store.publish({**store_meta("api-only", group="dapp", title="Api Only"), "main": "api/index.js",
                   "interfaces": [{"type": "service", "name": "grpc", "path": "/", "port": "BLOCKLET_GRPC_PORT"}]})
    with pytest.raises(ComponentError, match="web interface not found in component Api Only"):
        verify_tree(project("hub", [store_entry("api-only", store.url)]), project_dir=tmp_path)


@pytest.mark.parametrize(("components", "expected"), [
    ([store_entry("a", "http://127.0.0.1:9", mount="/x"), store_entry("b", "http://127.0.0.1:9", mount="x/")],
     "mount point /x is used by both a and b"),
    ([store_entry("a", "http://127.0.0.1:9", mount="/a b")], "may only contain"),
    ([store_entry("a", "http://127.0.0.1:9", mount="/a//b")], "cannot contain //"),
    ([store_entry("a", "http://127.0.0.1:9", version="^1.0.0")], "must be 'latest' or an exact"),
    ([{"name": "a", "source": {"url": "not a url"}}], "is not a URL"),
    ([{"name": "a"}], "has no source"),
])
def test_tree_rules_are_checked_before_any_request(tmp_path, components, expected):
    with pytest.raises(ComponentError, match=expected):
        verify_tree(project("hub", components), project_dir=tmp_path)


def test_sibling_conflicts_inside_a_fetched_component_name_the_path(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("parent", components=[store_entry("x", store.url, mount="/same"),
                                                   store_entry("y", store.url, mount="/same")]))
    with pytest.raises(ComponentError, match=r"used by both x and y \(in hub → parent\)"):
        verify_tree(project("hub", [store_entry("parent", store.url)]), project_dir=tmp_path)


def test_no_components_needs_no_network(tmp_path):
    tree = verify_tree({"name": "lonely", "did": to_blocklet_did("lonely")}, project_dir=tmp_path)
    assert tree.components == [] and tree.to_dict()["count"] == 0


# -- offline ---------------------------------------------------------------------------------
def test_offline_uses_answers_of_earlier_online_runs(new_store, tmp_path):
    store = new_store()
    store.publish(store_meta("cached-one", "1.2.3"))
    meta = project("hub", [store_entry("cached-one", store.url)])
    with pytest.raises(ComponentError, match="not in the offline cache") as info:
        verify_tree(meta, project_dir=tmp_path, offline=True)
    assert info.value.hint == "run once without --offline to fill the cache"
    online = verify_tree(meta, project_dir=tmp_path)
    assert ComponentCache().get(online.components[0].meta_url)["version"] == "1.2.3"
    store.server.stop()
    offline = verify_tree(meta, project_dir=tmp_path, offline=True)
    assert offline.components[0].from_cache and offline.offline
    assert offline.components[0].tarball == online.components[0].tarball


def test_cache_ignores_foreign_or_broken_files(tmp_path):
    cache = ComponentCache(tmp_path / "c")
    cache.put("http://x/blocklet.json", {"name": "x"})
    assert cache.get("http://x/blocklet.json") == {"name": "x"}
    assert cache.get("http://y/blocklet.json") is None
    next(Path(tmp_path / "c").glob("*.json")).write_text("{broken")
    assert cache.get("http://x/blocklet.json") is None


def test_a_remote_blocklet_cannot_point_to_local_files(new_store, tmp_path):
    secret = tmp_path / "secret" / "blocklet.json"
    secret.parent.mkdir()
    secret.write_text(json.dumps(store_meta("local-secret")))
    store = new_store()
    store.publish(store_meta("sneaky", components=[{"name": "local-secret", "source": {"url": secret.as_uri()}}]))
    with pytest.raises(ComponentError, match="fetched over the network cannot point to a local file"):
        verify_tree(project("hub", [store_entry("sneaky", store.url)]), project_dir=tmp_path)
    store.publish({**store_meta("local-tarball"), "dist": {**store_meta("local-tarball")["dist"],
                                                           "tarball": "file:///etc/hostname"}})
    with pytest.raises(ComponentError, match="cannot point to a local tarball"):
        verify_tree(project("hub", [store_entry("local-tarball", store.url)]), project_dir=tmp_path)


def test_a_store_whose_integrity_is_not_an_sri_string_is_skipped(new_store, tmp_path):
    broken = new_store()
    meta = store_meta("static-demo")
    meta["dist"]["integrity"] = "sha512-not-base64!"
    broken.publish(meta)
    reason, _ = _second_store_wins(new_store, tmp_path, broken.url)
    assert "is not a subresource integrity string" in reason
