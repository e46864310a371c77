"""`--all` / `--filter` on real npm and pnpm workspaces (tests/workspaces.py: installed with the real package
managers), two blocklets where wharf-site lists wharf-api as a component: bundle (both releases boot from an
empty folder with their dependencies as real files), version (each, --sync, --filter), validate, publish to a
real file store that is also the component store (served by a real static web server), the dependency order
in the results, and the refusals (a link out of the workspace, a cycle, a failed component)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import static_web_server
from tests.real_dapps import expand_release, started, wait_for_page
from tests.workspaces import API, KINDS, SITE, by_name, copy_of, install

pytestmark = pytest.mark.slow

# wharf-site's component names no store: bundles look it up in COMPONENT_STORE_URL (never reached with
# --skip-components-check; the publish tests serve a real one)
OFFLINE = {"COMPONENT_STORE_URL": "https://store.invalid"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("installed-workspaces")
    return {kind: install(kind, root) for kind in KINDS}


@pytest.fixture(params=KINDS)
def workspace(request, installed, tmp_path) -> Path:
    return copy_of(installed[request.param], tmp_path)


def ran(done) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_bundle_all_in_dependency_order_and_both_releases_boot(workspace, cli, tmp_path):
    # started from inside one blocklet: the workspace root is found above it
    done = cli("bundle", "--all", "--create-release", "--skip-components-check", "--json",
               cwd=workspace / "blocklets" / "site", env=OFFLINE)
    assert done.returncode == 0, done.stderr
    document = ran(done)
    assert document["workspace"] == str(workspace) and document["ok"] is True
    assert document["kind"] == workspace.name  # npm (package.json workspaces) or pnpm (pnpm-workspace.yaml)
    assert [r["name"] for r in document["results"]] == [API, SITE]  # drafts/ is in .blockletignore
    api, site = by_name(document).values()
    assert site["dependsOn"] == [API] and api["dependsOn"] == []
    assert site["started"] >= api["finished"]  # the component was bundled first
    assert {api["version"], site["version"]} == {"1.2.0", "0.3.0"}
    assert "2 blocklet(s) in dependency order: wharf-api, wharf-site" in done.stderr

    expected = {API: ('"service":"wharf-api"', ["node_modules/@wharf/tides/index.js", "node_modules/ms/index.js"]),
                SITE: ("Tides &amp; ferries &lt;today&gt;", ["node_modules/escape-html/index.js"])}
    for name, (answer, dependencies) in expected.items():
        result = by_name(document)[name]
        app = expand_release(Path(result["tarball"]), tmp_path / "run" / name)
        for rel in dependencies:  # pnpm's and npm's links became real files
            assert (app / rel).is_file() and not (app / rel).is_symlink(), rel
        assert not [path for path in app.rglob("*") if path.is_symlink()]
        with started(app) as (port, process, log):
            status, body = wait_for_page(port, process, log)
        assert status == 200 and answer in body, body


def test_validate_all_json(workspace, cli):
    done = cli("validate", "--all", "--json", str(workspace), env=OFFLINE)
    assert done.returncode == 0, done.stderr
    document = ran(done)
    assert document["ok"] is True and document["mode"] == "meta"
    assert [(r["name"], r["folder"], r["status"]) for r in document["results"]] == [
        (API, "blocklets/api", "ok"), (SITE, "blocklets/site", "ok")]
    # the broken draft is ignored; without the .blockletignore it is found and fails validation with exit 3
    (workspace / ".blockletignore").unlink()
    done = cli("validate", "--all", "--json", str(workspace), env=OFFLINE)
    assert done.returncode == 3
    draft = by_name(ran(done))["old-site"]  # unreadable: named after its folder
    assert draft["status"] == "failed" and draft["exitCode"] == 3 and draft["folder"] == "drafts/old-site"
    single = cli("validate", "--json", str(workspace / "drafts/old-site"))  # the same problem as alone
    assert draft["error"]["issues"] == ran(single)["results"][0]["errors"]
    assert draft["error"]["issues"][0]["message"].startswith("invalid YAML")


def test_version_patch_all_then_sync_then_filter(workspace, cli):
    api_yml, site_yml = workspace / "blocklets/api/blocklet.yml", workspace / "blocklets/site/blocklet.yml"
    before = site_yml.read_text()
    done = cli("version", "patch", "--all", "--json", "--project", str(workspace))
    assert done.returncode == 0, done.stderr
    assert [(r["name"], r["from"], r["to"]) for r in ran(done)["results"]] == [(API, "1.2.0", "1.2.1"),
                                                                                (SITE, "0.3.0", "0.3.1")]
    assert site_yml.read_text() == before.replace("version: 0.3.0", "version: 0.3.1")  # the rest kept, comments too
    assert json.loads((workspace / "blocklets/site/package.json").read_text())["version"] == "0.3.1"

    done = cli("version", "minor", "--all", "--sync", "--json", "--project", str(workspace))
    assert done.returncode == 0, done.stderr
    assert ran(done)["sync"] == "1.3.0"  # the highest (1.2.1) bumped
    for folder in ("api", "site"):
        assert "version: 1.3.0\n" in (workspace / "blocklets" / folder / "blocklet.yml").read_text()
        assert json.loads((workspace / "blocklets" / folder / "package.json").read_text())["version"] == "1.3.0"

    done = cli("version", "patch", "--filter", SITE, "--json", "--project", str(workspace))
    assert done.returncode == 0, done.stderr
    assert [(r["name"], r["to"]) for r in ran(done)["results"]] == [(SITE, "1.3.1")]
    assert "version: 1.3.0\n" in api_yml.read_text()

    done = cli("version", "patch", "--sync", "--project", str(workspace))
    assert done.returncode == 2 and "--sync goes with --all" in done.stderr


def test_filters_by_name_folder_and_glob(workspace, cli):
    for pattern, names in ((SITE, [SITE]), ("blocklets/api", [API]), ("blocklets/*", [API, SITE]),
                           ("wharf-*", [API, SITE])):
        done = cli("validate", "--filter", pattern, "--json", str(workspace), env=OFFLINE)
        assert done.returncode == 0, done.stderr
        assert [r["name"] for r in ran(done)["results"]] == names, pattern
    done = cli("validate", "--filter", "nope", str(workspace))
    assert done.returncode == 2
    assert "--filter 'nope' matches no blocklet of the workspace" in done.stderr
    assert "wharf-api, wharf-site" in done.stderr


def test_a_failed_component_skips_its_dependents(workspace, cli):
    (workspace / "blocklets/api/api/index.js").unlink()
    done = cli("bundle", "--all", "--skip-components-check", "--json", str(workspace), env=OFFLINE)
    assert done.returncode == 3  # the exit code of the first failure: `blocklet check` finds its `main` missing
    api, site = by_name(ran(done)).values()
    assert api["status"] == "failed" and api["exitCode"] == 3 and "blocklet check" in api["detail"]
    assert [f["code"] for f in api["error"]["findings"] if f["severity"] == "error"] == ["dapp-main"], api["error"]
    assert site["status"] == "skipped" and site["detail"] == "not run: its component wharf-api did not succeed"
    text = cli("bundle", "--all", "--skip-components-check", str(workspace), env=OFFLINE)
    assert text.returncode == 3 and "1 failed, 1 skipped" in text.stderr and text.stdout == ""


def test_a_component_cycle_is_one_clear_error(workspace, cli):
    api = workspace / "blocklets/api/blocklet.yml"
    api.write_text(api.read_text() + "components:\n  - name: wharf-site\n    source:\n      name: wharf-site\n")
    done = cli("bundle", "--all", str(workspace), env=OFFLINE)
    assert done.returncode == 7
    assert "in a cycle: wharf-api → wharf-site → wharf-api" in done.stderr
    assert not (workspace / "blocklets/api/.blocklet").exists()


def test_a_dependency_linking_out_of_the_workspace_is_refused(workspace, cli, tmp_path):
    outside = tmp_path / "outside" / "escape-html"
    linked = workspace / "blocklets/site/node_modules/escape-html"
    if not linked.exists():  # npm hoists it to the root
        linked = workspace / "node_modules/escape-html"
    shutil.copytree(linked.resolve(), outside)
    shutil.rmtree(linked) if not linked.is_symlink() else linked.unlink()
    os.symlink(outside, linked)
    done = cli("bundle", "--all", "--skip-components-check", "--json", str(workspace), env=OFFLINE)
    assert done.returncode == 6
    site = by_name(ran(done))[SITE]
    assert site["status"] == "failed"
    assert site["detail"] == (f"dependency escape-html of package.json resolves to {outside}, outside the project "
                              "and its workspace")
    assert by_name(ran(done))[API]["status"] == "ok"


def test_publish_all_to_a_real_store_components_first(workspace, cli, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    with static_web_server(store) as url:
        # wharf-site's bundle verifies wharf-api in the store: it is there only because it was published first
        env = {"COMPONENT_STORE_URL": url}
        done = cli("publish", "--all", "--store", str(store), "--json", str(workspace), env=env)
        assert done.returncode == 0, done.stderr
        document = ran(done)
        assert [(r["name"], r["status"], r["version"]) for r in document["results"]] == [
            (API, "ok", "1.2.0"), (SITE, "ok", "0.3.0")]
        index = json.loads((store / "api" / "blocklets.json").read_text())
        assert json.dumps(index).count("wharf-api") and json.dumps(index).count("wharf-site")
        site_release = json.loads((workspace / "blocklets/site/.blocklet/release/blocklet.json").read_text())
        assert site_release["components"][0]["source"]["store"] == url

        again = cli("publish", "--all", "--store", str(store), "--json", str(workspace), env=env)
        # the version is already there: an error (its own exit code), and its dependent is skipped
        results = ran(again)["results"]
        assert [r["status"] for r in results] == ["failed", "skipped"]
        assert again.returncode == results[0]["exitCode"] != 0 and "already" in results[0]["detail"]


def test_publish_all_skip_existing_twice_uploads_nothing_the_second_time(workspace, cli, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    with static_web_server(store) as url:
        env = {"COMPONENT_STORE_URL": url}
        first = cli("publish", "--all", "--skip-existing", "--store", str(store), "--json", str(workspace), env=env)
        assert first.returncode == 0, first.stderr
        stamps = {path: path.stat().st_mtime_ns for path in store.rglob("*") if path.is_file()}
        second = cli("publish", "--all", "--skip-existing", "--store", str(store), "--json", str(workspace), env=env)
        assert second.returncode == 0, second.stderr
        results = ran(second)["results"]
        assert [(r["status"], r["skipped"]) for r in results] == [("ok", True), ("ok", True)]
        assert {path: path.stat().st_mtime_ns for path in store.rglob("*") if path.is_file()} == stamps
        # text mode, stdout not a terminal: each blocklet's metadata URL alone on a line, components first
        third = cli("publish", "--all", "--skip-existing", "--store", str(store), str(workspace), env=env)
        assert third.returncode == 0, third.stderr
        assert third.stdout.splitlines() == [r["url"] for r in results]
        assert "already on the store: skipped" in third.stderr


@pytest.mark.parametrize("mode", ["zip", "compact"])
def test_a_dependency_of_a_dependency_linking_out_is_refused(workspace, cli, tmp_path, mode):
    from tests.real_dapps import esbuild_env

    linked = workspace / "packages/tides/node_modules/ms"  # pnpm links it there; npm hoists it to the root
    if not linked.exists():
        linked = workspace / "node_modules/ms"
    outside = tmp_path / "outside" / "ms"
    shutil.copytree(linked.resolve(), outside)
    shutil.rmtree(linked) if not linked.is_symlink() else linked.unlink()
    os.symlink(outside, linked)
    extra = ["--compact"] if mode == "compact" else []
    done = cli("bundle", "--filter", API, "--json", *extra, str(workspace), env={**OFFLINE, **esbuild_env()})
    assert done.returncode == 6, done.stderr
    api = by_name(ran(done))[API]
    assert api["status"] == "failed" and api["error"]["type"] == "UnsafePathError"
    assert f"resolves to {outside / 'index.js'}, outside the workspace {workspace}" in api["detail"]
