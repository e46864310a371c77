"""A static file store written by `blocklet publish --store <folder>` is a working component store for
`add`, `bundle` and `dev`: as a folder, as a `file://` URL, and behind a real static web server
(Python's `http.server`, which labels `.tgz` files `application/x-tar`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import static_web_server


@pytest.fixture
def published(tmp_path: Path, cli) -> tuple[Path, Path]:
    """A file store holding `lighthouse` 1.0.0, and a gateway project `harbor` to add it to."""
    for args in (["init", "lighthouse", "--group", "static", "--yes"],
                 ["init", "harbor", "--group", "gateway", "--yes"]):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    store = tmp_path / "store"
    done = cli("publish", "--store", str(store), "--json", cwd=tmp_path / "lighthouse")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == "1.0.0"
    return store, tmp_path / "harbor"


def components_of(project: Path, cli) -> list[dict]:
    done = cli("meta", str(project))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["components"]


@pytest.mark.parametrize("form", ["folder", "file-url"])
def test_add_from_a_file_store_then_bundle(published, cli, form):
    store, harbor = published
    where = str(store) if form == "folder" else store.resolve().as_uri()
    done = cli("add", "lighthouse", "--store", where, cwd=harbor)
    assert done.returncode == 0, done.stderr
    [component] = components_of(harbor, cli)
    assert component["name"] == "lighthouse"
    did = json.loads(cli("did", "lighthouse", "--json").stdout)[0]["did"]
    # a file store is recorded as the URL of the component's metadata in it (source.store must be http),
    # relative to the project so that both can move together, with a warning that it is local
    assert component["source"] == {"url": f"file:../store/api/blocklets/{did}/blocklet.json"}
    assert "⚠ the source of lighthouse is a local folder" in done.stderr
    moved = store.parent.parent / f"moved-{form}"
    store.parent.rename(moved)
    bundled = cli("bundle", "--create-release", "--json", cwd=moved / "harbor")
    assert bundled.returncode == 0, bundled.stderr
    assert (moved / "harbor" / ".blocklet" / "release" / "blocklet.json").is_file()


def test_a_missing_file_store_is_a_clear_error(tmp_path, published, cli):
    _, harbor = published
    done = cli("add", "lighthouse", "--store", str(tmp_path / "nowhere"), cwd=harbor)
    assert done.returncode == 7
    assert "is not a folder" in done.stderr and "Traceback" not in done.stderr


def test_any_static_web_server_serving_the_folder_is_a_store(published, cli):
    store, harbor = published
    with static_web_server(store) as url:
        done = cli("add", "lighthouse", "--store", url, "--mount-point", "/light", cwd=harbor)
        assert done.returncode == 0, done.stderr
        [component] = components_of(harbor, cli)
        assert component["source"] == {"store": url, "name": "lighthouse", "version": "latest"}
        bundled = cli("bundle", "--create-release", cwd=harbor)
        assert bundled.returncode == 0, bundled.stderr
        dev = cli("dev", "--json", cwd=harbor)  # a gateway: verifies its components, nothing to run
        assert dev.returncode == 0, dev.stderr
        assert "lighthouse" in dev.stdout + dev.stderr
