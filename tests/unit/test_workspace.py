"""core/workspace: the root as npm/pnpm/yarn find it, discovery (ignore files, skipped folders), --filter,
dependency order and cycles, and the runner (dependencies first, independent ones at once, bounded,
dependents of a failure skipped)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from blocklet_cli.core.errors import ComponentError, NotFoundError, UsageError
from blocklet_cli.core.project.workspace import find_workspace
from blocklet_cli.core.workspace import discover, load, run_action, select
from blocklet_cli.core.workspace.versions import sync_target


def blocklet(folder: Path, name: str, version: str = "1.0.0", components: list[dict] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {json.dumps(name)}", f"version: {version}"]
    if components:
        lines.append("components: " + json.dumps(components))
    (folder / "blocklet.yml").write_text("\n".join(lines) + "\n")
    return folder


def package_json(folder: Path, **data) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps({"name": folder.name, **data}))


# -- the root -----------------------------------------------------------------------------------
def test_npm_workspaces_array_and_yarn_packages_object(tmp_path):
    package_json(tmp_path, workspaces=["blocklets/*"])
    inner = blocklet(tmp_path / "blocklets" / "api", "api")
    found = find_workspace(inner / "src")
    assert found is not None and (found.path, found.kind, found.patterns) == (tmp_path, "npm", ("blocklets/*",))
    package_json(tmp_path, workspaces={"packages": ["apps/**"]})
    assert find_workspace(tmp_path / "apps" / "a" / "b").path == tmp_path  # type: ignore[union-attr]


def test_a_package_json_whose_globs_miss_the_folder_is_not_its_root(tmp_path):
    package_json(tmp_path, workspaces=["packages/*"])
    assert find_workspace(tmp_path / "tools" / "x") is None
    assert find_workspace(tmp_path).path == tmp_path  # type: ignore[union-attr]  # the root itself
    package_json(tmp_path, workspaces=["packages/*", "!packages/old"])
    assert find_workspace(tmp_path / "packages" / "old") is None
    assert find_workspace(tmp_path / "packages" / "new") is not None


def test_pnpm_workspace_yaml_is_the_nearest_root(tmp_path):
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - 'blocklets/*'\n  - packages/*\n")
    package_json(tmp_path / "blocklets", workspaces=["x/*"])  # not matched: pnpm's file above wins
    found = find_workspace(tmp_path / "blocklets" / "api")
    assert found is not None and found.kind == "pnpm" and found.patterns == ("blocklets/*", "packages/*")


def test_broken_pnpm_workspace_yaml_is_a_clear_error(tmp_path):
    from blocklet_cli.core.errors import FileFormatError

    (tmp_path / "pnpm-workspace.yaml").write_text("packages: [a\n")
    with pytest.raises(FileFormatError) as caught:
        find_workspace(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'pnpm-workspace.yaml'}:2:")


def test_the_bundle_boundary_uses_the_same_root(tmp_path):
    from blocklet_cli.core.bundle.changelog import find_workspace_root

    (tmp_path / "outer").mkdir()
    (tmp_path / "outer" / "yarn.lock").write_text("")  # an unrelated lock file above the workspace
    root = tmp_path / "outer" / "mono"
    package_json(root, workspaces=["apps/*"])
    assert find_workspace_root(root / "apps" / "web") == root
    assert find_workspace_root(tmp_path / "outer" / "loose") == tmp_path / "outer"  # markers as before


# -- discovery and filters -----------------------------------------------------------------------
def test_discovery_honours_ignore_files_and_skips_dependency_folders(tmp_path):
    package_json(tmp_path, workspaces=["*"])
    blocklet(tmp_path, "root-app")
    blocklet(tmp_path / "a", "a")
    blocklet(tmp_path / "node_modules" / "dep", "dep")
    blocklet(tmp_path / "a" / ".blocklet" / "bundle", "a")
    blocklet(tmp_path / "build" / "copy", "copy")
    blocklet(tmp_path / "nested" / "kept", "kept")
    blocklet(tmp_path / "nested" / "dropped", "dropped")
    blocklet(tmp_path / "nested" / "back", "back")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "nested" / ".blockletignore").write_text("dropped\nb*\n!back\n")
    names = [(m.name, m.rel) for m in discover(tmp_path)]
    assert names == [("root-app", "."), ("a", "a"), ("back", "nested/back"), ("kept", "nested/kept")]


def test_filters_match_names_folders_and_globs(tmp_path):
    for name in ("api", "site", "docs"):
        blocklet(tmp_path / "blocklets" / name, f"@wharf/{name}")
    members = discover(tmp_path)
    assert [m.name for m in select(members, ["@wharf/api"])] == ["@wharf/api"]
    assert [m.name for m in select(members, ["./blocklets/site/"])] == ["@wharf/site"]
    assert [m.name for m in select(members, ["@wharf/d*", "blocklets/a*"])] == ["@wharf/api", "@wharf/docs"]
    with pytest.raises(UsageError) as caught:
        select(members, ["nope"])
    assert caught.value.hint == "the blocklets are: @wharf/api, @wharf/docs, @wharf/site (match a name or a " \
                                "folder, globs allowed)"


@pytest.mark.parametrize("kind", ["npm", "pnpm"])
def test_pnpm_graph_selectors_on_the_fixture_workspaces(kind):
    """The fixture workspaces (tests/workspaces.py): wharf-site lists wharf-api as a component; discovery reads
    only blocklet.yml files, so no install is needed."""
    from tests.workspaces import API, FIXTURES, SITE

    def names(*filters: str) -> list[str]:
        return [member.name for member in load(FIXTURES / kind, list(filters)).members]

    assert names(f"{SITE}...") == [API, SITE]  # the site and what it uses, in dependency order
    assert names(f"{API}...") == [API]  # the api uses no blocklet
    assert names(f"...{API}") == [API, SITE]  # the api and what uses it
    assert names(f"...{SITE}") == [SITE]
    assert names(f"{SITE}^...") == [API]  # ^: without the named one
    assert names(f"...^{API}") == [SITE]
    assert names(f"...{API}...") == [API, SITE]
    assert names("blocklets/site...") == [API, SITE]  # folders and globs work inside selectors
    assert names(f"!{API}") == [SITE]  # only exclusions: from every blocklet
    assert names(f"...{API}", f"!{SITE}") == [API]
    assert load(FIXTURES / kind, [f"{SITE}^..."]).deps == {"blocklets/api": []}  # the site left out is not waited for
    with pytest.raises(UsageError, match="matches no blocklet"):
        names("nope...")
    with pytest.raises(UsageError, match="names no blocklet"):
        names("...")


def test_graph_selectors_follow_components_transitively(tmp_path):
    blocklet(tmp_path / "a", "a")
    blocklet(tmp_path / "b", "b", components=[{"name": "a", "source": {"name": "a"}}])
    blocklet(tmp_path / "c", "c", components=[{"name": "b", "source": {"name": "b"}}])
    blocklet(tmp_path / "d", "d", components=[{"name": "a", "source": {"name": "a"}}])
    members = discover(tmp_path)
    assert [m.name for m in select(members, ["c..."])] == ["a", "b", "c"]
    assert [m.name for m in select(members, ["...a"])] == ["a", "b", "c", "d"]
    assert [m.name for m in select(members, ["...^b"])] == ["c"]
    assert [m.name for m in load(tmp_path, ["...a", "!c"]).members] == ["a", "b", "d"]


def test_load_without_blocklets_or_workspace(tmp_path):
    with pytest.raises(NotFoundError, match=r"no blocklet\.yml found under"):
        load(tmp_path)
    blocklet(tmp_path / "one", "one")
    found = load(tmp_path)
    assert (found.root, found.kind, [m.name for m in found.members]) == (tmp_path, None, ["one"])


# -- dependency order --------------------------------------------------------------------------------
def test_components_by_name_store_name_did_and_file_url_order_the_run(tmp_path):
    from blocklet_cli.core.identity.did import to_blocklet_did

    blocklet(tmp_path / "a-site", "site", components=[{"name": "api", "source": {"store": "https://s", "name": "x"}}])
    blocklet(tmp_path / "b-api", "api", components=[{"name": "db", "source": {"name": "db"}}])
    blocklet(tmp_path / "c-db", "db")
    blocklet(tmp_path / "d-admin", "admin", components=[
        {"name": "anything", "source": {"url": "file:../e-auth/.blocklet/release/blocklet.json"}},
        {"name": to_blocklet_did("db"), "source": {"url": "https://elsewhere/blocklet.json"}}])
    blocklet(tmp_path / "e-auth", "auth")
    found = load(tmp_path)
    order = [m.name for m in found.members]
    assert order == ["db", "auth", "api", "admin", "site"]  # in waves, each by folder
    assert found.deps["a-site"] == ["b-api"] and found.deps["d-admin"] == ["c-db", "e-auth"]
    # a filter keeps the order among what it selects; a dependency left out is not waited for
    assert [m.name for m in load(tmp_path, ["api", "db"]).members] == ["db", "api"]
    assert [m.name for m in load(tmp_path, ["site", "db"]).members] == ["site", "db"]


def test_a_cycle_names_its_path(tmp_path):
    blocklet(tmp_path / "a", "a", components=[{"name": "b", "source": {"name": "b"}}])
    blocklet(tmp_path / "b", "b", components=[{"name": "c", "source": {"name": "c"}}])
    blocklet(tmp_path / "c", "c", components=[{"name": "a", "source": {"name": "a"}}])
    blocklet(tmp_path / "d", "d")
    with pytest.raises(ComponentError) as caught:
        load(tmp_path)
    assert caught.value.message == "the workspace's blocklets list each other as components in a cycle: " \
                                   "a → b → c → a"


# -- the runner ---------------------------------------------------------------------------------------
def test_dependencies_first_independent_ones_at_once_bounded(tmp_path):
    for name in ("x", "y", "z"):
        blocklet(tmp_path / name, name)
    blocklet(tmp_path / "w", "w", components=[{"name": n, "source": {"name": n}} for n in ("x", "y", "z")])
    found = load(tmp_path)
    meeting = threading.Barrier(2, timeout=30)  # two independent blocklets must run at the same time
    lock, running, peak = threading.Lock(), [0], [0]

    def action(member, reporter):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if member.name in ("x", "y"):
                meeting.wait()
            reporter.info("working")
            return {"detail": f"did {member.name}", "extra": member.name.upper()}
        finally:
            with lock:
                running[0] -= 1

    done = run_action(found, action, workers=2)
    assert done.ok and peak[0] == 2
    results = {r.member.name: r for r in done.results}
    assert [r.member.name for r in done.results][-1] == "w"
    assert results["w"].started >= max(results[n].finished for n in "xyz")  # type: ignore[operator]
    assert results["w"].to_dict()["dependsOn"] == ["x", "y", "z"]
    assert results["x"].to_dict()["extra"] == "X" and results["x"].detail == "did x"
    assert done.to_dict()["ok"] is True


def test_a_failure_skips_its_dependents_only(tmp_path):
    from tests.conftest import RecordingReporter

    blocklet(tmp_path / "a", "a")
    blocklet(tmp_path / "b", "b", components=[{"name": "a", "source": {"name": "a"}}])
    blocklet(tmp_path / "c", "c", components=[{"name": "b", "source": {"name": "b"}}])
    blocklet(tmp_path / "d", "d")
    reporter = RecordingReporter()

    def action(member, _reporter):
        if member.name == "a":
            raise ComponentError("a broke\nsecond line")
        return None

    done = run_action(load(tmp_path), action, reporter=reporter)
    statuses = {r.member.name: (r.status, r.detail) for r in done.results}
    assert statuses == {"a": ("failed", "a broke"), "b": ("skipped", "not run: its component a did not succeed"),
                        "c": ("skipped", "not run: its component b did not succeed"), "d": ("ok", "")}
    assert not done.ok and done.first_failure is not None and done.first_failure.member.name == "a"
    assert done.to_dict()["results"][0]["error"] == {"type": "ComponentError", "message": "a broke\nsecond line"}
    assert done.counts() == {"ok": 1, "failed": 1, "skipped": 2}
    [task] = reporter.tasks
    assert task.completed == 4 and task.state == "finished"
    assert ("warn", "a: failed in " + f"{done.results[0].duration:.1f}s: a broke") in reporter.lines


def test_a_bug_in_an_action_is_raised_not_swallowed(tmp_path):
    blocklet(tmp_path / "a", "a")

    def action(member, reporter):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        run_action(load(tmp_path), action)


def test_sync_target_is_the_highest_version_bumped(tmp_path):
    blocklet(tmp_path / "a", "a", "1.9.0")
    blocklet(tmp_path / "b", "b", "1.10.0-beta.1")
    blocklet(tmp_path / "c", "c", "not-a-version")
    members = load(tmp_path).members
    assert sync_target(members, "patch") == "1.10.0"
    assert sync_target(members, "minor") == "1.10.0"
    assert sync_target(members, "prerelease", "beta") == "1.10.0-beta.2"
    assert sync_target(members, "3.0.0") == "3.0.0"
