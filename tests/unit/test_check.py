"""`core/check`: one test per rule, on real projects written in tmp_path with real image bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blocklet_cli.core.check import check_project, check_release
from blocklet_cli.core.check.project import STORE_MAX_RELEASE_BYTES
from blocklet_cli.core.errors import NotFoundError
from blocklet_cli.core.identity.did import to_blocklet_did
from tests.images import SVG, jpeg, png

NAME = "harbor-lights"
DID = to_blocklet_did(NAME)


def meta_text(**fields: str | None) -> str:
    """A blocklet.yml that passes every check, with `fields` replaced (None: the key is left out)."""
    base: dict[str, str | None] = {
        "name": NAME, "did": DID, "version": "1.2.0", "title": "Harbor Lights",
        "description": "Static timetable page for a harbor", "group": "static", "main": "www", "logo": "logo.png",
        "screenshots": "\n  - a.png\n  - b.png\n  - c.jpg",
    }
    base.update(fields)
    return "".join(f"{key}: {value}\n" for key, value in base.items() if value is not None)


def write(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A static project the store would take: logo, three screenshots, index.html, a changelog."""
    root = tmp_path / "app"
    write(root, "blocklet.yml", meta_text())
    write(root, "logo.png", png(256, 256))
    write(root, "screenshots/a.png", png(640, 360))
    write(root, "screenshots/b.png", png(1280, 720))
    write(root, "screenshots/c.jpg", jpeg(1920, 1080))
    write(root, "www/index.html", "<h1>hi</h1>")
    write(root, "blocklet.md", "# Harbor Lights\n")
    write(root, "CHANGELOG.md", "# Changelog\n\n## 1.2.0 (2024-01-31)\n\n- first\n")
    return root


def codes(report) -> list[str]:
    return [finding.code for finding in report.findings]


def only(report, code: str):
    [finding] = [f for f in report.findings if f.code == code]
    return finding


def line_of(root: Path, prefix: str) -> int:
    lines = (root / "blocklet.yml").read_text().splitlines()
    return next(number for number, text in enumerate(lines, start=1) if text.startswith(prefix))


def test_a_ready_project_has_no_findings(project: Path) -> None:
    report = check_project(project)
    assert report.findings == [] and report.passed(strict=True)
    assert report.checked == {"main": "source", "changelog": str(project / "CHANGELOG.md")}


def test_no_blocklet_yml_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        check_project(tmp_path)


# -- logo --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "code"), [
    ("logo.png", png(128, 128), "logo-dimensions"),
    ("logo.jpg", jpeg(300, 256), "logo-aspect"),
    ("logo.jpg", png(256, 256), "logo-type"),
    ("logo.bmp", b"BM" + b"\x00" * 60, "logo-format"),
])
def test_logo_rules(project: Path, name: str, data: bytes, code: str) -> None:
    write(project, name, data)
    write(project, "blocklet.yml", meta_text(logo=name))
    finding = only(check_project(project), code)
    assert (finding.severity, finding.refused_by, finding.file) == ("error", "bundle", str(project / "blocklet.yml"))
    assert (finding.line, finding.column) == (line_of(project, "logo:"), 1)
    assert "256x256" in (finding.fix or "")


def test_an_svg_logo_has_no_pixel_rules(project: Path) -> None:
    write(project, "logo.svg", SVG)
    write(project, "blocklet.yml", meta_text(logo="logo.svg"))
    assert check_project(project).findings == []


def test_the_store_takes_a_smaller_logo_than_the_bundler(project: Path) -> None:
    write(project, "logo.png", png(256, 256) + b"\x00" * (600 * 1024))  # 600 KB: bundler yes, store no
    store = only(check_project(project), "logo-size")
    assert (store.severity, store.refused_by) == ("error", "store") and "500 KB" in store.message
    assert only(check_project(project, target="server"), "logo-size").severity == "warning"
    write(project, "logo.png", png(256, 256) + b"\x00" * (1100 * 1024))  # over the bundler's 1024 KB
    bundler = only(check_project(project, target="server"), "logo-size")
    assert (bundler.severity, bundler.refused_by) == ("error", "bundle") and "1024 KB" in bundler.message


def test_a_missing_logo_file_or_key(project: Path) -> None:
    (project / "logo.png").unlink()
    finding = only(check_project(project), "logo-not-found")
    assert finding.fix == "add logo.png" and finding.line == line_of(project, "logo:")
    write(project, "blocklet.yml", meta_text(logo=None))
    missing = only(check_project(project), "logo-missing")
    assert missing.line is None and missing.file == str(project / "blocklet.yml")


def test_a_logo_outside_the_project(project: Path) -> None:
    write(project.parent, "outside.png", png(256, 256))
    write(project, "blocklet.yml", meta_text(logo="../outside.png"))
    assert "logo-path" in codes(check_project(project))


# -- screenshots -------------------------------------------------------------------------------------------

def test_screenshot_count_is_a_store_rule(project: Path) -> None:
    write(project, "blocklet.yml", meta_text(screenshots="\n  - a.png\n  - b.png"))
    finding = only(check_project(project), "screenshot-count")
    assert finding.severity == "error" and finding.refused_by == "store" and "3 to 5" in finding.message
    assert finding.line == line_of(project, "screenshots:")
    assert only(check_project(project, target="server"), "screenshot-count").severity == "warning"
    write(project, "blocklet.yml", meta_text(screenshots=None))
    assert only(check_project(project), "screenshot-count").line is None


def test_each_screenshot_is_checked_at_its_line(project: Path) -> None:
    write(project, "screenshots/b.png", png(400, 400))
    write(project, "blocklet.yml", meta_text(screenshots="\n  - a.png\n  - b.png\n  - c.jpg\n  - a.png\n  - d.png"))
    report = check_project(project)
    found = {(f.code, f.line) for f in report.findings}
    text = (project / "blocklet.yml").read_text().splitlines()
    line = {name: text.index(f"  - {name}") + 1 for name in ("b.png", "d.png")}
    assert ("screenshot-dimensions", line["b.png"]) in found and ("screenshot-aspect", line["b.png"]) in found
    assert ("screenshot-not-found", line["d.png"]) in found
    assert "screenshot-duplicate" in codes(report)


def test_a_screenshot_over_5_mb(project: Path) -> None:
    write(project, "screenshots/c.jpg", jpeg(1920, 1080) + b"\x00" * (5 * 1024 * 1024 + 1))
    finding = only(check_project(project), "screenshot-size")
    assert finding.refused_by == "store" and "5 MB" in finding.message


# -- main --------------------------------------------------------------------------------------------------

def test_static_main_folder_and_index(project: Path) -> None:
    (project / "www/index.html").rename(project / "www/home.html")
    finding = only(check_project(project), "static-index")
    assert finding.line == line_of(project, "main:") and "www/index.html" in (finding.fix or "")
    write(project, "blocklet.yml", meta_text(main="dist"))
    assert "static-main" in codes(check_project(project))
    assert "Can not find index.html" not in json.dumps([f.to_dict() for f in check_project(project).findings])


def test_dapp_main_in_the_source_then_in_the_bundle(project: Path) -> None:
    write(project, "blocklet.yml", meta_text(group="dapp", main="api/dist/index.js"))
    report = check_project(project)
    finding = only(report, "dapp-main")
    assert report.checked["main"] == "source" and "source" in finding.message and "build" in (finding.fix or "")
    write(project, "api/dist/index.js", "console.log(1)\n")
    assert "dapp-main" not in codes(check_project(project))
    write(project, ".blocklet/bundle/blocklet.yml", "name: x\n")  # a bundle without its entry
    report = check_project(project)
    assert report.checked["main"] == str(project / ".blocklet/bundle")
    assert only(report, "dapp-main").refused_by == "server"
    assert "dapp-main" not in codes(check_project(project, use_build=False))
    write(project, ".blocklet/bundle/blocklet.js", "require('./api/dist/index.js')\n")
    assert "dapp-main" not in codes(check_project(project))


# -- did and keys ------------------------------------------------------------------------------------------

def test_junk_did_written_by_an_old_cli(project: Path) -> None:
    write(project, "blocklet.yml", meta_text(did="blocklet init v1.16.20-beta-3d2f4c9a"))
    report = check_project(project)
    finding = only(report, "did-name")
    assert finding.line == line_of(project, "did:") and finding.column == 1
    assert DID in finding.message and finding.fix == f"set `did: {DID}` (`blocklet did {NAME}` prints it)"
    assert codes(report) == ["did-name"]  # the schema's own message about /did is not repeated


def test_the_did_of_another_name(project: Path) -> None:
    write(project, "blocklet.yml", meta_text(did=to_blocklet_did("other-app")))
    assert f"not the DID of name \"{NAME}\"" in only(check_project(project), "did-name").message


def test_unknown_keys_name_the_nearest_known_one(project: Path) -> None:
    write(project, "blocklet.yml", meta_text() + "descripton: typo\nzzz: 1\n")
    report = check_project(project)
    typo = [f for f in report.findings if f.code == "unknown-key"]
    assert [(f.line, f.column, f.fix) for f in typo] == [
        (line_of(project, "descripton:"), 1, "rename descripton to description"),
        (line_of(project, "zzz:"), 1, "remove it (no known key is close)")]


def test_other_metadata_problems_keep_their_position(project: Path) -> None:
    write(project, "blocklet.yml", meta_text(version="[1]"))
    finding = only(check_project(project), "meta")
    assert finding.line == line_of(project, "version:") and "/version" in finding.message


def test_broken_yaml_is_one_finding(project: Path) -> None:
    write(project, "blocklet.yml", "name: [unclosed\n")
    [finding] = check_project(project).findings
    assert finding.code == "yaml" and finding.line is not None


# -- CHANGELOG.md ------------------------------------------------------------------------------------------

def test_changelog_headings_deeper_than_h4(project: Path) -> None:
    write(project, "CHANGELOG.md", "# Changelog\n\n## 1.2.0\n\n##### too deep\n\n```\n###### in code\n```\n")
    [finding] = check_project(project).findings
    assert (finding.code, finding.file, finding.line) == ("changelog-heading", str(project / "CHANGELOG.md"), 5)


def test_changelog_without_versions_is_refused_by_the_store(project: Path) -> None:
    write(project, "CHANGELOG.md", "# Changelog\n\n- things changed\n")
    finding = only(check_project(project), "changelog-versions")
    assert finding.severity == "error" and finding.refused_by == "store"


def test_changelog_sections_without_a_version_and_the_current_version(project: Path) -> None:
    write(project, "CHANGELOG.md", "# Changelog\n\n## Unreleased\n\n- wip\n\n## [1.1.0](https://x/c) (2024-01-01)\n")
    report = check_project(project)
    assert {(f.code, f.severity, f.line) for f in report.findings} == {
        ("changelog-version", "warning", 3), ("changelog-current", "warning", 1)}
    assert report.passed() and not report.passed(strict=True)


def test_two_changelogs(project: Path) -> None:
    write(project, "changelog.md", "## 1.2.0\n")
    assert "changelog-duplicate" in codes(check_project(project))


# -- the release -------------------------------------------------------------------------------------------

def release(root: Path, size: int) -> Path:
    metafile = write(root, ".blocklet/release/blocklet.json", json.dumps(
        {"name": NAME, "version": "1.2.0", "dist": {"tarball": f"{NAME}-1.2.0.tgz"}}))
    with open(metafile.parent / f"{NAME}-1.2.0.tgz", "wb") as handle:  # sparse: no real disk use
        handle.truncate(size)
    return metafile


def test_release_size_against_the_store_limit(project: Path) -> None:
    metafile = release(project, STORE_MAX_RELEASE_BYTES + 1)
    finding = only(check_project(project), "release-size")
    assert finding.refused_by == "store" and finding.file == str(metafile.parent / f"{NAME}-1.2.0.tgz")
    release(project, STORE_MAX_RELEASE_BYTES)
    assert "release-size" not in codes(check_release(metafile))


def test_release_without_its_tarball(project: Path) -> None:
    metafile = release(project, 10)
    (metafile.parent / f"{NAME}-1.2.0.tgz").unlink()
    assert codes(check_release(metafile)) == ["release-tarball"]


def test_a_stale_release_is_a_warning(project: Path) -> None:
    metafile = release(project, 10)
    write(project, "blocklet.yml", meta_text(version="1.3.0"))
    write(project, "CHANGELOG.md", "## 1.3.0\n")
    finding = only(check_release(metafile, project_dir=project), "release-stale")
    assert finding.severity == "warning" and "1.3.0" in finding.message


def test_dapp_main_in_the_release_when_there_is_no_bundle(project: Path) -> None:
    import io
    import tarfile

    write(project, "blocklet.yml", meta_text(group="dapp", main="api/dist/index.js"))
    metafile = release(project, 0)
    tarball = metafile.parent / f"{NAME}-1.2.0.tgz"

    def pack(*names: str) -> None:
        with tarfile.open(tarball, "w:gz") as archive:
            for name in names:
                info = tarfile.TarInfo(name)
                info.size = 2
                archive.addfile(info, io.BytesIO(b"//"))

    pack("package/blocklet.yml", "package/api/dist/index.js")
    report = check_project(project)
    assert report.checked["main"] == str(tarball) and only(report, "dapp-main").file == str(tarball)
    pack("package/blocklet.yml", "package/blocklet.js")
    assert "dapp-main" not in codes(check_project(project))


@pytest.mark.parametrize(("heading", "version"), [
    ("## [1.2.3](https://github.com/a/b/compare/v1.2.2...v1.2.3) (2024-01-31)", "1.2.3"),
    ("## v2.0.0-beta.1", "2.0.0"),
    ("## 1.4 (2023-12-01)", "1.4.0"),
    ("## Unreleased", None),
    ("## Release 7", None),
])
def test_the_store_reads_versions_from_h2_headings(heading: str, version: str | None) -> None:
    from blocklet_cli.core.bundle.changelog import version_headings

    found = version_headings(f"# Changelog\n\n{heading}\n\n- x\n\n> ## 9.9.9 (quoted: not a release)\n")
    assert [(line, found_version) for line, _, found_version in found] == [(3, version)]
    assert version is None or "https://" not in found[0][1]  # a link's text, not its target, as the store reads it


def test_monorepo_uses_the_workspace_changelog(project: Path) -> None:
    (project / "CHANGELOG.md").unlink()
    write(project.parent, "pnpm-workspace.yaml", "packages: ['app']\n")
    write(project.parent, "CHANGELOG.md", "# Changelog\n\n##### deep\n")
    assert "changelog-heading" not in codes(check_project(project))
    report = check_project(project, monorepo=True)
    assert report.checked["changelog"] == str(project.parent / "CHANGELOG.md")
    assert {"changelog-heading", "changelog-versions"} <= set(codes(report))


# -- a static app with an API (create-blocklet #193) ---------------------------------------------------------

def test_a_static_main_that_is_a_server_file(project: Path) -> None:
    write(project, "api/index.js", "require('http').createServer().listen(process.env.BLOCKLET_PORT)\n")
    write(project, "blocklet.yml", meta_text(main="api/index.js"))
    report = check_project(project)
    finding = only(report, "static-main-file")
    assert finding.severity == "error" and finding.line == line_of(project, "main:")
    assert "`group: dapp` with `main: api/index.js`" in (finding.fix or "")
    assert "static-main" not in codes(report) and "Can not find index.html" not in json.dumps(report.to_dict())


def test_a_static_app_whose_start_script_runs_an_api(project: Path) -> None:
    """The solidjs template of create-blocklet #193: `group: static`, `main: dist`, and an Express API that
    `npm run start` ran beside vite; the static bundle left it out."""
    write(project, "api/index.js", "require('express')().listen(process.env.BLOCKLET_PORT)\n")
    write(project, "api/hooks/pre-start.js", "console.log('ready')\n")
    write(project, "package.json", json.dumps({"scripts": {
        "start": "npm-run-all --parallel start:*", "start:client": "vite",
        "start:api": "NODE_ENV=development nodemon api/index.js -w api",
        "clean": "node scripts/build-clean.mjs"}}))
    write(project, "scripts/build-clean.mjs", "")
    write(project, "blocklet.yml",
          meta_text() + "scripts:\n  dev: npm run start\n  preStart: node api/hooks/pre-start.js\n")
    report = check_project(project)
    finding = only(report, "static-api")
    assert finding.severity == "warning" and finding.line == line_of(project, "group:")
    assert finding.message.startswith("package.json script 'start:api' runs api/index.js")
    assert "`group: dapp` with `main: api/index.js`" in (finding.fix or "")
    assert report.passed() and not report.passed(strict=True)
    # the same project as a dapp is what the template became; a hook or a build script is no API
    write(project, "blocklet.yml", meta_text(group="dapp", main="api/index.js"))
    assert "static-api" not in codes(check_project(project))
    write(project, "package.json", json.dumps({"scripts": {"start": "vite", "clean": "node scripts/build-clean.mjs",
                                                           "dev:hook": "node api/hooks/pre-start.js"}}))
    write(project, "blocklet.yml", meta_text() + "scripts:\n  preStart: node api/hooks/pre-start.js\n")
    assert "static-api" not in codes(check_project(project))
    # a server inside the main folder is shipped (it is only never run: no finding for the API itself)
    (project / "package.json").unlink()
    write(project, "www/server.js", "")
    write(project, "blocklet.yml", meta_text() + "scripts:\n  dev: node www/server.js\n")
    assert "static-api" not in codes(check_project(project))


def test_a_static_blocklet_with_an_engine_or_a_container(project: Path) -> None:
    write(project, "blocklet.yml", meta_text() + "engine:\n  interpreter: node\n  script: api/index.js\n"
          "docker:\n  image: nginx:1\n")
    report = check_project(project)
    engine, docker = only(report, "static-engine"), only(report, "static-docker")
    assert (engine.severity, docker.severity) == ("warning", "warning")
    assert engine.line == line_of(project, "engine:") and docker.line == line_of(project, "docker:")
    write(project, "blocklet.yml", meta_text(group="dapp", main="www/index.html") + "engine:\n  interpreter: node\n")
    assert not {"static-engine", "static-docker"} & set(codes(check_project(project)))


def test_placeholders_from_init_are_warnings_whatever_their_name(project: Path) -> None:
    from blocklet_cli.core.project.init import placeholder_files

    stock = placeholder_files()
    write(project, "brand.png", stock["logo.png"])
    write(project, "screenshots/b.png", stock["screenshots/screenshot-2.png"])
    write(project, "blocklet.yml", meta_text(logo="brand.png"))
    report = check_project(project)
    logo, shot = only(report, "placeholder-logo"), only(report, "placeholder-screenshot")
    assert (logo.severity, logo.line) == ("warning", line_of(project, "logo:"))
    assert shot.line == line_of(project, "  - b.png")
    assert report.passed() and not report.passed(strict=True) and shot.fix.startswith("replace screenshots/b.png")
