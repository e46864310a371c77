"""`blocklet add` / `blocklet remove` through the real console script, against a local store."""

from __future__ import annotations

import json

import pytest
import yaml

from blocklet_cli.core.identity.did import to_blocklet_did
from tests.unit.test_components import FakeStore, closed_port_store, new_store, store_meta  # noqa: F401

ENV = {"BLOCKLET_HTTP_RETRIES": "0"}

COMMENTED = """\
# My app: a header comment that must survive
name: my-app            # keep me
did: {did}
version: 1.0.0
description: An app with components
components:
  # the first component, hand-written
  - name: first-one
    mountPoint: /first      # aligned comment
    source:
      store: {store}
      name: first-one
      version: latest
navigation: []   # after components
"""


@pytest.fixture
def store(new_store) -> FakeStore:  # noqa: F811
    store = new_store()
    store.publish(store_meta("first-one"))
    store.publish(store_meta("static-demo", "1.3.0", title="Static Demo"))
    store.publish(store_meta("gate-way", group="gateway"))
    return store


@pytest.fixture
def app(tmp_path, store):
    folder = tmp_path / "my-app"
    folder.mkdir()
    (folder / "blocklet.yml").write_text(COMMENTED.format(did=to_blocklet_did("my-app"), store=store.url))
    return folder


def test_add_then_remove_leaves_the_file_byte_identical(cli, app, store):
    before = (app / "blocklet.yml").read_bytes()
    added = cli("add", "static-demo", "--store", store.url, cwd=app, env=ENV)
    assert added.returncode == 0, added.stderr
    assert "✔ Blocklet components verify success! 2 component(s)" in added.stderr
    assert "✔ Component static-demo was successfully added at /static-demo" in added.stderr
    text = (app / "blocklet.yml").read_text()
    assert text.startswith(before.decode().split("navigation:")[0])
    assert yaml.safe_load(text)["components"][1] == {
        "name": "static-demo", "title": "Static Demo", "mountPoint": "/static-demo",
        "source": {"store": store.url, "name": "static-demo", "version": "latest"}}
    removed = cli("remove", "static-demo", cwd=app)
    assert removed.returncode == 0, removed.stderr
    assert "✔ Component static-demo was successfully removed" in removed.stderr
    assert (app / "blocklet.yml").read_bytes() == before


def test_add_json_document_and_options(cli, app, store):
    result = cli("add", "static-demo@1.3.0", "--store", store.url, "--mount-point", "/docs",
                          "--title", "Docs", "--json", cwd=app, env=ENV)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "added"
    assert document["component"] == {"name": "static-demo", "title": "Docs", "mountPoint": "/docs",
                                     "source": {"store": store.url, "name": "static-demo", "version": "1.3.0"}}
    assert [c["name"] for c in document["tree"]["components"]] == ["first-one", "static-demo"]
    assert document["tree"]["components"][1]["metaUrl"].endswith("/1.3.0/blocklet.json")


def test_add_existing_name_changes_nothing_and_needs_no_network(cli, app, store):
    before = (app / "blocklet.yml").read_bytes()
    store.server.clear_log()
    result = cli("add", "first-one", "--store", closed_port_store(), cwd=app, env=ENV)
    assert result.returncode == 0
    assert "✔ Component first-one already exists" in result.stderr
    assert (app / "blocklet.yml").read_bytes() == before
    assert store.server.log == []


def test_add_falls_back_to_the_next_store_and_says_so(cli, app, store):
    down = closed_port_store()
    result = cli("add", "static-demo", "--store", down, "--store", store.url, cwd=app, env=ENV)
    assert result.returncode == 0, result.stderr
    assert f"⚠ static-demo: skipped {down}/api/blocklets/" in result.stderr
    assert yaml.safe_load((app / "blocklet.yml").read_text())["components"][1]["source"]["store"] == [down, store.url]


def test_add_uses_blocklet_store_from_the_environment(cli, app, store):
    result = cli("add", "static-demo", cwd=app, env={**ENV, "BLOCKLET_STORE": store.url})
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((app / "blocklet.yml").read_text())["components"][1]["source"]["store"] == store.url


def test_add_url_source(cli, app, store):
    url = f"{store.url}/api/blocklets/{to_blocklet_did('static-demo')}/blocklet.json"
    result = cli("add", url, cwd=app, env=ENV)
    assert result.returncode == 0, result.stderr
    entry = yaml.safe_load((app / "blocklet.yml").read_text())["components"][1]
    assert entry == {"name": "static-demo", "title": "Static Demo", "mountPoint": "/static-demo",
                     "source": {"url": url}}


@pytest.mark.parametrize(("args", "code", "message"), [
    (["unknown-thing"], 7, "✖ cannot resolve component unknown-thing: "),
    (["gate-way"], 7, "✖ cannot add gateway component Gate Way"),
    (["static-demo", "--mount-point", "/first/"], 7, "✖ mount point /first is used by both first-one and static-demo"),
    (["static-demo", "--mount-point", "/a b"], 2, "✖ --mount-point '/a b' may only contain"),
    (["static-demo@^1.0.0"], 2, "✖ version '^1.0.0' of static-demo is not supported"),
])
def test_add_errors_are_one_line_and_write_nothing(cli, app, store, args, code, message):
    before = (app / "blocklet.yml").read_bytes()
    result = cli("add", *args, "--store", store.url, cwd=app, env=ENV)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert (app / "blocklet.yml").read_bytes() == before
    assert sorted(p.name for p in app.iterdir()) == ["blocklet.yml"]


def test_add_offline_uses_the_cache_of_an_earlier_run(cli, app, store, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "blocklet.yml").write_text((app / "blocklet.yml").read_text().replace("my-app", "other-app")
                                        .replace(to_blocklet_did("my-app"), to_blocklet_did("other-app")))
    miss = cli("add", "static-demo", "--store", store.url, "--offline", cwd=app, env=ENV)
    assert miss.returncode == 7
    assert "not in the offline cache" in miss.stderr and "hint: run once without --offline" in miss.stderr
    assert cli("add", "static-demo", "--store", store.url, cwd=other, env=ENV).returncode == 0
    store.server.stop()
    hit = cli("add", "static-demo", "--store", store.url, "--offline", cwd=app, env=ENV)
    assert hit.returncode == 0, hit.stderr
    assert "(offline, from cache)" in hit.stderr


def test_remove_unknown_lists_the_known_names(cli, app):
    before = (app / "blocklet.yml").read_bytes()
    result = cli("remove", "nothing-here", "--json", cwd=app)
    assert result.returncode == 4
    assert "cannot find component nothing-here (known: first-one)" in result.stderr
    assert json.loads(result.stdout)["error"]["type"] == "NotFoundError"
    assert (app / "blocklet.yml").read_bytes() == before


def test_remove_json_document(cli, app):
    result = cli("remove", "first-one", "--json", "--project", str(app))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "removed", "file": str(app / "blocklet.yml"),
                                         "name": "first-one", "remaining": []}
    data = yaml.safe_load((app / "blocklet.yml").read_text())
    assert "components" not in data or data["components"] == []
    assert (app / "blocklet.yml").read_text().startswith("# My app: a header comment that must survive\n")


def test_add_and_remove_without_a_project(cli, tmp_path):
    for args in (["add", "static-demo"], ["remove", "static-demo"]):
        result = cli(*args, cwd=tmp_path, env=ENV)
        assert result.returncode == 4
        assert "no blocklet.yml or blocklet.yaml found" in result.stderr


def test_gateway_fixture_components_verify_against_a_local_store(cli, project_copy, new_store):  # noqa: F811
    store = new_store()
    store.publish(store_meta("harbor-lights", "0.3.1"))
    store.publish(store_meta("ferry-ledger", "1.4.0", group="dapp"))
    store.publish(store_meta("static-demo"))
    folder = project_copy("gateway-with-components")
    meta = folder / "blocklet.yml"
    meta.write_text(meta.read_text().replace("https://store.blocklet.dev", store.url))
    result = cli("add", "static-demo", "--store", store.url, cwd=folder, env=ENV)
    assert result.returncode == 0, result.stderr
    requests = store.requests()
    harbor, ferry = to_blocklet_did("harbor-lights"), to_blocklet_did("ferry-ledger")
    assert {f"GET /api/blocklets/{harbor}/blocklet.json", f"GET /api/blocklets/{ferry}/blocklet.json",
            f"HEAD /api/blocklets/{harbor}/harbor-lights-0.3.1.tgz",
            f"HEAD /api/blocklets/{ferry}/ferry-ledger-1.4.0.tgz"} <= set(requests)
    assert "    section: header\n" in meta.read_text()  # untouched, not normalised


@pytest.fixture
def hanging_store():
    """A store that accepts connections and never answers."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def test_a_hung_later_source_does_not_hold_the_command(cli, app, store, hanging_store):
    # the first store answers; the command must not wait the 60 s read timeout of the second one
    result = cli("add", "static-demo", "--store", store.url, "--store", hanging_store, cwd=app,
                          env={**ENV, "BLOCKLET_HTTP_TIMEOUT": "60"}, timeout=30)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((app / "blocklet.yml").read_text())["components"][1]["source"]["store"] == [
        store.url, hanging_store]


def test_add_uses_the_store_of_the_config_profile(cli, app, store, isolated_home):
    (isolated_home / ".arcblock").mkdir()
    ini = f"store = {closed_port_store()}\n[ci]\nstore = {store.url}\n"
    (isolated_home / ".arcblock" / "blocklet.ini").write_text(ini)
    result = cli("add", "static-demo", "--profile", "ci", cwd=app, env=ENV)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((app / "blocklet.yml").read_text())["components"][1]["source"]["store"] == store.url
