"""`blocklet check` through the CLI (text, --json, exit codes), and `bundle` / `publish` running it first."""

from __future__ import annotations

import json
from pathlib import Path

from blocklet_cli.core.check.project import STORE_MAX_RELEASE_BYTES
from blocklet_cli.core.identity.did import to_blocklet_did
from tests.images import store_ready


def test_a_ready_project_passes(project_copy, cli) -> None:
    root = project_copy("static-site")
    store_ready(root)
    done = cli("check", cwd=root)
    assert (done.returncode, done.stdout) == (0, "")
    assert "0 error(s), 0 warning(s) (target store; main checked in source): ready for the store" in done.stderr


def test_store_rules_fail_the_store_target_only(project_copy, cli) -> None:
    root = project_copy("static-site")
    done = cli("check", str(root))
    assert done.returncode == 3
    assert done.stdout.splitlines() == [
        f"{root}/blocklet.yml:16:1: error: [screenshot-count] 2 screenshot(s); the store requires 3 to 5",
        "  fix: list 3 to 5 images of screenshots/ under `screenshots:`"]
    assert "✖ 1 error(s), 0 warning(s) (target store" in done.stderr
    server = cli("check", str(root), "--target", "server")
    assert server.returncode == 0 and "warning: [screenshot-count]" in server.stdout
    assert cli("check", str(root), "--target", "server", "--strict").returncode == 3
    assert cli("check", str(root), "--target", "nope").returncode == 2


def test_json_document(project_copy, cli) -> None:
    root = project_copy("static-site")
    text = (root / "blocklet.yml").read_text().replace(to_blocklet_did("harbor-lights"),
                                                       "blocklet init v1.16.20-beta-3d2f4c9a")
    (root / "blocklet.yml").write_text(text + "titel: typo\n")
    done = cli("check", "--json", cwd=root)
    assert done.returncode == 3
    data = json.loads(done.stdout)
    assert (data["target"], data["errors"], data["warnings"], data["passed"]) == ("store", 3, 0, False)
    assert data["checked"] == {"main": "source"}
    did, count, typo = data["findings"]
    assert did == {"code": "did-name", "severity": "error", "file": "blocklet.yml", "line": 2, "column": 1,
                   "refusedBy": "bundle", "message": did["message"],
                   "fix": f"set `did: {to_blocklet_did('harbor-lights')}` (`blocklet did harbor-lights` prints it)"}
    assert count["code"] == "screenshot-count" and count["line"] == 16
    assert (typo["code"], typo["line"], typo["fix"]) == ("unknown-key", len(text.splitlines()) + 1,
                                                         "rename titel to title")


def test_no_blocklet_yml_exits_4(tmp_path: Path, cli) -> None:
    assert cli("check", str(tmp_path)).returncode == 4


def two_changelogs(root: Path) -> None:
    """What the reference bundler refuses (`Only one CHANGELOG.md…`) and ours would otherwise ship."""
    (root / "CHANGELOG.md").write_text("## 0.3.1\n")
    (root / "changelog.md").write_text("## 0.3.0\n")


def test_bundle_stops_on_check_errors_and_no_check_skips_it(project_copy, cli) -> None:
    root = project_copy("static-site")
    two_changelogs(root)
    done = cli("bundle", cwd=root)
    assert done.returncode == 3 and not (root / ".blocklet").exists()
    assert done.stderr.startswith("✖ blocklet check found 1 error(s) (target server)\n")
    assert "error: [changelog-duplicate]" in done.stderr and "--no-check" in done.stderr
    assert "screenshot-count" not in done.stderr  # warnings are not listed with the errors
    as_json = cli("bundle", "--json", cwd=root)
    error = json.loads(as_json.stdout)["error"]
    assert error["type"] == "CheckError" and {f["code"] for f in error["findings"]} == {
        "changelog-duplicate", "screenshot-count"}
    skipped = cli("bundle", "--no-check", cwd=root)
    assert skipped.returncode == 0 and (root / ".blocklet/bundle/blocklet.yml").is_file()
    assert cli("bundle", cwd=root, env={"BLOCKLET_CHECK": "0"}).returncode == 0


def test_bundle_shows_store_rules_as_warnings(project_copy, cli) -> None:
    root = project_copy("static-site")
    done = cli("bundle", cwd=root)
    assert done.returncode == 0
    assert "⚠ blocklet.yml:16:1: [screenshot-count] 2 screenshot(s); the store requires 3 to 5" in done.stderr


def test_publish_checks_the_project_first(project_copy, cli, tmp_path: Path) -> None:
    root = project_copy("static-site")
    two_changelogs(root)
    store = tmp_path / "store"
    done = cli("publish", "--store", str(store), cwd=root)
    assert done.returncode == 3 and "[changelog-duplicate]" in done.stderr and not store.exists()
    published = cli("publish", "--store", str(store), "--no-check", cwd=root)
    assert published.returncode == 0 and "published to the file store" in published.stderr


def test_publish_checks_the_release_it_sends_before_any_request(project_copy, cli) -> None:
    root = project_copy("static-site")
    store_ready(root)
    assert cli("bundle", "--create-release", cwd=root).returncode == 0
    metafile = root / ".blocklet/release/blocklet.json"
    tarball = metafile.parent / json.loads(metafile.read_text())["dist"]["tarball"]
    with open(tarball, "r+b") as handle:  # sparse: over the store's 500 MB without using the disk
        handle.truncate(STORE_MAX_RELEASE_BYTES + 1)
    nobody = "http://127.0.0.1:9"  # nothing listens there: the check must stop the command first
    done = cli("publish", str(metafile), "--store", nobody, "--dry-run", env={"BLOCKLET_ACCESS_TOKEN": "0x" + "1" * 64})
    assert done.returncode == 3 and "error: [release-size]" in done.stderr and "500 MB" in done.stderr
