"""`blocklet bundle` through the real console script."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path


def test_bundle_create_release_text_output(project_copy, cli) -> None:
    root = project_copy("static-site")
    done = cli("bundle", "--create-release", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Blocklet harbor-lights@0.3.1 bundled in zip mode" in done.stderr
    assert "screenshots/Qme6xmqGvL3UtT1ecnaJTULmwdBT5TGZNdAyEbTxTVrtj8.png" in done.stderr
    assert "Release tarball: " in done.stderr and done.stdout == ""
    with tarfile.open(root / ".blocklet" / "release" / "harbor-lights-0.3.1.tgz") as tar:
        assert "package/www/index.html" in tar.getnames()


def test_bundle_json_document(project_copy, cli) -> None:
    root = project_copy("node-dapp")
    done = cli("bundle", str(root), "--create-release", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {"name", "version", "did", "mode", "bundleDir", "files", "totalSize", "zipEntries", "excluded",
            "warnings", "release"} <= set(document)
    assert document["mode"] == "zip" and document["name"] == "ferry-ledger"
    assert {"path": "blocklet.js", "size": 27} in document["files"]
    release = document["release"]
    assert Path(release["tarball"]).stat().st_size == release["size"]
    assert release["integrity"].startswith("sha512-")
    assert [f["path"] for f in release["files"]] == [f["path"] for f in document["files"]]
    assert "no screenshots found" in done.stderr


def test_simple_mode_twice_and_no_changelog(project_copy, cli) -> None:
    root = project_copy("node-dapp")
    assert cli("bundle", "--simple", cwd=root).returncode == 0
    done = cli("bundle", "--simple", "--no-changelog", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    paths = [f["path"] for f in json.loads(done.stdout)["files"]]
    assert "api/index.js" in paths and "CHANGELOG.md" not in paths and "blocklet.zip" not in paths


def test_create_archive(project_copy, cli) -> None:
    root = project_copy("static-site")
    assert cli("bundle", "--create-archive", cwd=root).returncode == 0
    assert not list((root / ".blocklet").glob("*.zip"))  # does nothing without --create-release
    done = cli("bundle", "--create-release", "--create-archive", cwd=root)
    assert done.returncode == 0, done.stderr
    assert (root / ".blocklet" / "Harbor Lights-0.3.1.zip").is_file()


def test_invalid_meta_exit_3_nothing_written(project_copy, cli) -> None:
    root = project_copy("broken-meta")
    done = cli("bundle", "--create-release", cwd=root)
    assert done.returncode == 3
    assert done.stderr.startswith("✖ ")  # nothing printed before the error
    assert "Traceback" not in done.stderr and "must be a string" in done.stderr
    assert not (root / ".blocklet").exists()


def test_unsafe_symlink_exit_6_one_line(project_copy, cli, tmp_path: Path) -> None:
    root = project_copy("static-site")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "www" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    done = cli("bundle", "--json", cwd=root)
    assert done.returncode == 6
    errors = [line for line in done.stderr.splitlines() if line.startswith("✖")]
    assert len(errors) == 1 and "www/leak.txt is a symlink" in errors[0]
    assert json.loads(done.stdout)["error"]["type"] == "UnsafePathError"
    assert "Traceback" not in done.stderr and not (root / ".blocklet").exists()


def test_missing_project_folder(cli, tmp_path: Path) -> None:
    done = cli("bundle", str(tmp_path / "nope"))
    assert done.returncode == 4 and "Traceback" not in done.stderr


def test_gateway_offline_with_explicit_skip(project_copy, cli) -> None:
    root = project_copy("gateway-with-components")
    done = cli("bundle", "--create-release", "--skip-components-check", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mode"] == "simple"


def test_progress_bar_on_a_terminal(project_copy) -> None:
    from tests.cli.test_output import run_in_pty

    root = project_copy("node-dapp")
    code, text = run_in_pty(["bundle", "--create-release"], {}, root)
    assert code == 0, text
    assert "Bundling" in text and "━" in text  # the bar (transient) was drawn
    assert "\x1b[" in text and "Release tarball:" in text and "blocklet.zip" in text
