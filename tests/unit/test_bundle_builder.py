"""build_bundle on the fixture projects: contents, release, reproducibility, atomicity."""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from blocklet_cli.core.bundle import build_bundle
from blocklet_cli.core.bundle.cid import cid_of_file
from blocklet_cli.core.errors import BundleError, ConflictError, MetaError
from tests.conftest import RecordingReporter

STATIC_SHOTS = ["Qme6xmqGvL3UtT1ecnaJTULmwdBT5TGZNdAyEbTxTVrtj8.png",
                "QmVnmRLgek7xSWSwzPTu1UgeqLNfSTYozStWAdcTPgqBr8.png"]


def tar_names(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        return tar.getnames()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_static_site(project_copy) -> None:
    root = project_copy("static-site")
    source_md = (root / "blocklet.md").read_bytes()
    result = build_bundle(root, mtime=0)
    bundle = root / ".blocklet" / "bundle"
    assert [path for path, _ in result.files] == [
        "blocklet.md", "blocklet.yml", "images/harbor-map.png", "logo.png",
        "media/57/3423f9c1f5f924891f7d9442837ce1.png", *sorted(f"screenshots/{n}" for n in STATIC_SHOTS),
        "www/about.html", "www/index.html", "www/style.css"]
    meta = yaml.safe_load((bundle / "blocklet.yml").read_text())
    assert meta["screenshots"] == STATIC_SHOTS and meta["main"] == "www"
    assert meta["author"] == {"name": "Mara Quinn", "email": "mara@harbor-lights.example",
                              "url": "https://harbor-lights.example"}
    # only the image link changed; the rest of the markdown is byte for byte the source
    assert (bundle / "blocklet.md").read_bytes() == source_md.replace(
        b"./images/harbor-map.png", b"/assets/media/57/3423f9c1f5f924891f7d9442837ce1.png")
    assert (root / "blocklet.md").read_bytes() == source_md  # the source was not written through a hard link
    assert not (bundle / "blocklet.js").exists() and not (bundle / "screenshots" / "home.png").exists()
    assert tar_names(result.tarball) == sorted("package/" + path for path, _ in result.files)
    release = json.loads(result.release_meta_path.read_text())
    assert release["dist"] == {"tarball": "harbor-lights-0.3.1.tgz", "integrity": result.release.integrity,
                               "size": result.tarball.stat().st_size}
    assert list(release)[-1] == "dist" and not result.release_meta_path.read_text().endswith("\n")


def test_node_dapp_zip_mode(project_copy) -> None:
    root = project_copy("node-dapp")
    result = build_bundle(root)
    bundle = result.bundle_dir
    names = [path for path, _ in result.files]
    assert names == ["CHANGELOG.md", "README.md", "blocklet.js", "blocklet.md", "blocklet.yml", "blocklet.zip",
                     "hooks/pre-start.js", "logo.png", "package.json"]
    assert not any(".env" in name for name in names + tar_names(result.tarball))
    assert (bundle / "blocklet.js").read_text() == "require('./api/index.js');\n"
    with zipfile.ZipFile(bundle / "blocklet.zip") as archive:
        # hooks/ is a `files` entry: shipped loose, once; a package ships its code and package.json, not docs
        assert archive.namelist() == ["api/index.js", "api/libs/format.js", "node_modules/tiny-slug/index.js",
                                      "node_modules/tiny-slug/package.json"]
    meta = yaml.safe_load((bundle / "blocklet.yml").read_text())
    assert meta["main"] == "blocklet.zip" and meta["scripts"]["preStart"] == "node hooks/pre-start.js"
    assert (bundle / "package.json").read_text() == json.dumps({
        "name": "ferry-ledger", "version": "1.4.0", "description": "Tracks ferry crossings and ticket sales",
        "author": "Ivo Brandt <ivo@ferry-ledger.example>", "dependencies": {}, "externalManager": "bun",
        "blockletExternalDependencies": []}, indent=2)
    assert (bundle / "blocklet.md").read_text() == (root / "README.md").read_text()  # README-only project
    assert result.warnings == ["no screenshots found"]


def test_node_dapp_simple_mode_twice(project_copy) -> None:
    root = project_copy("node-dapp")
    build_bundle(root, mode="simple", create_release=False)
    result = build_bundle(root, mode="simple")  # the reference crashes on a second run
    names = [path for path, _ in result.files]
    assert "api/index.js" in names and "api/libs/format.js" in names and "blocklet.zip" not in names
    assert yaml.safe_load((result.bundle_dir / "blocklet.yml").read_text())["main"] == "blocklet.js"


def test_monorepo_hoisted_dependencies_and_workspace_changelog(project_copy) -> None:
    repo = project_copy("monorepo")
    result = build_bundle(repo / "packages" / "app", monorepo=True)
    assert (result.bundle_dir / "blocklet.js").read_text() == "require('./packages/app/api/index.js');\n"
    assert result.zip_entries == [
        "node_modules/kebab-lite/index.js", "node_modules/kebab-lite/package.json",
        "node_modules/petal-format/lib/index.js", "node_modules/petal-format/package.json",
        "packages/app/api/index.js", "packages/app/api/routes/health.js", "packages/app/package.json"]
    assert (result.bundle_dir / "CHANGELOG.md").read_bytes() == (repo / "CHANGELOG.md").read_bytes()
    plain = build_bundle(repo / "packages" / "app", create_release=False)
    assert "CHANGELOG.md" not in [path for path, _ in plain.files]


def test_release_is_reproducible_and_follows_source_date_epoch(project_copy, tmp_path: Path, monkeypatch) -> None:
    first = build_bundle(project_copy("static-site"))
    data = first.tarball.read_bytes()
    second = build_bundle(first.project_dir)
    assert second.tarball.read_bytes() == data
    other = build_bundle(project_copy("static-site", tmp_path / "elsewhere"))  # new copy, new file times
    assert other.tarball.read_bytes() == data
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dated = build_bundle(first.project_dir)
    with tarfile.open(dated.tarball) as tar:
        assert {m.mtime for m in tar.getmembers()} == {1700000000}


def test_git_hash_is_recorded(project_copy) -> None:
    root = project_copy("static-site")
    for command in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    result = build_bundle(root)
    assert yaml.safe_load((result.bundle_dir / "blocklet.yml").read_text())["gitHash"] == head
    assert json.loads(result.release_meta_path.read_text())["gitHash"] == head


def test_invalid_meta_writes_nothing(project_copy) -> None:
    root = project_copy("broken-meta")
    with pytest.raises(MetaError):
        build_bundle(root)
    assert not (root / ".blocklet").exists()


def test_failure_keeps_previous_bundle_and_release(project_copy) -> None:
    root = project_copy("static-site")
    build_bundle(root, create_archive=True)
    before = snapshot(root / ".blocklet")
    (root / "screenshots" / "home.png").write_bytes(b"broken")
    with pytest.raises(BundleError, match=r"home.png"):
        build_bundle(root)
    assert snapshot(root / ".blocklet") == before


def test_interrupt_while_writing_the_tarball_keeps_previous_release(project_copy) -> None:
    root = project_copy("static-site")
    build_bundle(root)
    before = snapshot(root / ".blocklet")
    changed = root / "www" / "index.new"
    changed.write_text("<h1>changed</h1>")
    changed.replace(root / "www" / "index.html")  # saved the way editors save (new file, rename)

    def interrupt(task, amount: float) -> None:
        if task.descriptions[-1].startswith("tarball 3/"):
            raise KeyboardInterrupt

    reporter = RecordingReporter(on_advance=interrupt)
    with pytest.raises(KeyboardInterrupt):
        build_bundle(root, reporter=reporter)
    assert reporter.tasks[0].state == "aborted"
    assert snapshot(root / ".blocklet") == before
    assert sorted(p.name for p in (root / ".blocklet").iterdir()) == [".lock", "bundle", "release"]


def test_progress_reports_files_and_bytes(project_copy) -> None:
    reporter = RecordingReporter()
    result = build_bundle(project_copy("node-dapp"), reporter=reporter)
    [task] = reporter.tasks
    assert (task.description, task.unit, task.state) == ("Bundling", "bytes", "finished")
    stages = [text.split()[0] for text in task.descriptions[1:]]
    assert stages[0] == "copy" and "zip" in stages and stages[-1] == "tarball"
    assert task.descriptions[-1] == f"tarball {len(result.files)}/{len(result.files)} files"
    assert task.completed == task.total == result.total_size  # each stage restarts the count


def test_create_archive(project_copy) -> None:
    result = build_bundle(project_copy("static-site"), create_archive=True)
    assert result.release.archive.name == "Harbor Lights-0.3.1.zip"
    with zipfile.ZipFile(result.release.archive) as archive:
        assert archive.namelist() == ["blocklet.json", "harbor-lights-0.3.1.tgz"]
        assert archive.read("harbor-lights-0.3.1.tgz") == result.tarball.read_bytes()


def test_screenshots_are_copied_under_their_cid(project_copy) -> None:
    root = project_copy("static-site")
    result = build_bundle(root, create_release=False)
    for name, shot in zip(STATIC_SHOTS, ["home.png", "schedule.png"], strict=True):
        assert cid_of_file(result.bundle_dir / "screenshots" / name) + ".png" == name
        assert (result.bundle_dir / "screenshots" / name).read_bytes() == (root / "screenshots" / shot).read_bytes()


def test_unsafe_symlink_in_project_is_refused_before_writing(project_copy, tmp_path: Path) -> None:
    root = project_copy("static-site")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "www" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(BundleError, match=r"symlink"):
        build_bundle(root)
    assert not (root / ".blocklet").exists()


def test_bundle_files_are_hard_links_unless_copies_are_asked_for(project_copy) -> None:
    root = project_copy("static-site")
    linked = build_bundle(root, create_release=False)
    assert (linked.bundle_dir / "www" / "index.html").stat().st_ino == (root / "www" / "index.html").stat().st_ino
    shot = linked.bundle_dir / "screenshots" / STATIC_SHOTS[0]
    assert shot.stat().st_ino != (root / "screenshots" / "home.png").stat().st_ino  # content-named: a copy
    copied = build_bundle(root, create_release=False, link=False)
    index = copied.bundle_dir / "www" / "index.html"
    assert index.stat().st_ino != (root / "www" / "index.html").stat().st_ino
    assert index.read_bytes() == (root / "www" / "index.html").read_bytes()


def test_esm_dapp_gets_an_import_entry(project_copy) -> None:
    root = project_copy("node-dapp")
    manifest = json.loads((root / "package.json").read_text())
    (root / "package.json").write_text(json.dumps({**manifest, "type": "module"}))
    result = build_bundle(root, create_release=False)
    assert (result.bundle_dir / "blocklet.js").read_text() == "import './api/index.js';\n"
    assert json.loads((result.bundle_dir / "package.json").read_text())["type"] == "module"


def test_blockletignore_applies_to_the_zip_too(project_copy) -> None:
    root = project_copy("node-dapp")
    (root / "api" / "fixtures.local.js").write_text("// dev only")
    (root / ".blockletignore").write_text("*.local.js\n")
    result = build_bundle(root, create_release=False)
    assert "api/fixtures.local.js" not in result.zip_entries
    assert {"path": "api/fixtures.local.js", "reason": "matched by .blockletignore"} in [
        item.to_dict() for item in result.excluded]


def test_one_run_per_project_and_leftovers_are_cleaned(project_copy) -> None:
    import fcntl
    import os

    root = project_copy("static-site")
    build_bundle(root, create_release=False)
    leftover = root / ".blocklet" / ".bundle-killed"
    leftover.mkdir()
    os.utime(leftover, (1, 1))  # a staging folder of a run killed long ago
    with open(root / ".blocklet" / ".lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ConflictError, match=r"is running in .*; cannot bundle now"):
            build_bundle(root, create_release=False)
    build_bundle(root, create_release=False)
    assert not leftover.exists()


def test_logo_written_with_a_dot_slash_path(project_copy) -> None:
    root = project_copy("static-site")
    meta = root / "blocklet.yml"
    meta.write_text(meta.read_text().replace("logo: logo.png", "logo: ./logo.png"))
    result = build_bundle(root, create_release=False)
    assert [path for path, _ in result.files].count("logo.png") == 1
