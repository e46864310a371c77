"""`blocklet deploy --all` of a real pnpm workspace (tests/workspaces.py) to the real Blocklet Server 1.17.12.

wharf-site lists wharf-api as a component by its store name. The workspace is first published with
`publish --all` into a file store that is also the component store (served over HTTP inside the server's
network namespace, so the server can read wharf-api's metadata when it installs wharf-site); `deploy --all`
then installs wharf-api before wharf-site into the app, one after the other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_deploy_server import children
from tests.workspaces import API, SITE, by_name, install, store_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Installed before the server fixture moves the test into the server's network namespace (the npm
    registry is not reachable from there)."""
    return install("pnpm", tmp_path_factory.mktemp("e2e-workspace"))


def test_deploy_all_installs_the_component_first(installed, e2e, run_blocklet, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    with store_server(store) as url:
        env = {**e2e.key_env, "COMPONENT_STORE_URL": url}
        published = run_blocklet("publish", "--all", "--store", str(store), "--json", str(installed), env=env,
                                 timeout=600)
        assert published.returncode == 0, published.stderr
        deployed = run_blocklet("deploy", "--all", "--json", str(installed), env=env, timeout=900)
        assert deployed.returncode == 0, deployed.stderr
    document = json.loads(deployed.stdout)
    assert document["ok"] is True and document["workspace"] == str(installed) and document["kind"] == "pnpm"
    assert [result["name"] for result in document["results"]] == [API, SITE]
    api, site = by_name(document)[API], by_name(document)[SITE]
    assert site["started"] >= api["finished"] and site["dependsOn"] == [API]
    assert (api["version"], site["version"]) == ("1.2.0", "0.3.0")
    assert api["app"]["did"] == site["app"]["did"] == e2e.app_did
    assert api["built"] is False and site["built"] is False  # the releases `publish --all` built were current
    installed_children = children(e2e.server, e2e.app_did)
    assert installed_children[api["component"]["did"]]["meta"]["version"] == "1.2.0"
    assert installed_children[site["component"]["did"]]["meta"]["version"] == "0.3.0"
