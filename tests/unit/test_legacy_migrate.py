"""Legacy metadata reading (core.meta.legacy) and the migration (core.project.migrate) on the fixtures in
tests/fixtures/legacy and on small projects written here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from blocklet_cli.core.errors import FileFormatError, MetaError, NotFoundError
from blocklet_cli.core.meta import legacy
from blocklet_cli.core.meta.api import find_meta_file, load_meta
from blocklet_cli.core.project.migrate import apply_migration, plan_migration, remove_json_member

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def test_sources_and_provenance(tmp_path: Path) -> None:
    project = legacy.read_legacy(copy("every-key", tmp_path))
    assert project.sources == ["blocklet.json"]
    assert project.source_of("name") == "package.json"  # blocklet.json lacks it
    assert project.source_of("hooks") == "blocklet.json"
    assert "scripts" not in project.merged  # npm scripts are not blocklet scripts
    field = legacy.read_legacy(copy("seed-package-field", tmp_path))
    assert field.sources == ["package.json#blocklet"]
    assert field.source_of("provider") == "package.json#blocklet"
    assert field.merged["version"] == "0.3.1"


def test_every_command_sees_a_legacy_project(tmp_path: Path) -> None:
    root = copy("seed-blocklet-json", tmp_path)
    with pytest.raises(legacy.LegacyProjectError) as caught:
        find_meta_file(root)
    assert isinstance(caught.value, MetaError)
    assert "\n" not in str(caught.value)
    assert "legacy Blocklet project (metadata in blocklet.json" in str(caught.value)
    assert "`blocklet migrate" in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFoundError):
        find_meta_file(tmp_path / "empty")


def test_package_json_without_blocklet_field_is_not_legacy(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "blocklet": "no"}')
    assert legacy.legacy_sources(tmp_path) == []


def test_broken_blocklet_json_is_bad_input_with_position(tmp_path: Path) -> None:
    (tmp_path / "blocklet.json").write_text('{\n  "name": "x",\n  oops\n}\n')
    with pytest.raises(FileFormatError) as caught:
        plan_migration(tmp_path)
    assert caught.value.location == f"{tmp_path / 'blocklet.json'}:3:3"
    assert not (tmp_path / "blocklet.yml").exists()


def test_defaults_guessed_like_the_reference(tmp_path: Path) -> None:
    root = tmp_path / "guess-me"
    (root / "site").mkdir(parents=True)
    (root / "site" / "index.html").write_text("<p>hi</p>")
    (root / "blocklet.json").write_text("{}")
    meta = legacy.to_spec_102(legacy.read_legacy(root), directory="DIR")
    assert (meta["name"], meta["version"], meta["group"], meta["main"]) == ("guess-me", "1.0.0", "static", "site")
    assert meta["description"] == "Blocklet from DIR"
    assert meta["interfaces"][0]["path"] == "/" and meta["specVersion"] == "1.0.2"
    assert meta["files"] == ["blocklet.md", "screenshots"]
    result = plan_migration(root)
    assert "description:" not in result.new_text  # left to the parser, with a note
    assert "files:" not in result.new_text  # the reference's default files do not exist here
    assert any(note.startswith("files: left out blocklet.md, screenshots") for note in result.notes)
    assert result.meta["name"] == "guess-me"


def test_seed_blocklet_json_output(tmp_path: Path) -> None:
    root = copy("seed-blocklet-json", tmp_path)
    result = apply_migration(plan_migration(root))
    text = (root / "blocklet.yml").read_text()
    assert text.startswith("# blocklet.yml: what this Blocklet is, migrated from blocklet.json")
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert keys == ["name", "did", "version", "description", "logo", "group", "main", "environments", "interfaces",
                    "files", "specVersion"]
    assert "# provider: arcblock\n# color: primary\n" in text
    assert result.removed == ["blocklet.json"] and not (root / "blocklet.json").exists()
    assert (root / "package.json").read_bytes() == (FIXTURES / "seed-blocklet-json" / "package.json").read_bytes()
    doc = load_meta(root / "blocklet.yml").data
    assert doc["environments"] == [{"name": "DEBUG", "description": "Enable test flag", "required": False,
                                    "default": "arcblock*"}]
    assert doc["interfaces"][0]["prefix"] == "*"  # dynamicPathPrefix: true


def test_package_field_removed_rest_byte_identical(tmp_path: Path) -> None:
    root = copy("seed-package-field", tmp_path)
    original = (root / "package.json").read_text()
    apply_migration(plan_migration(root))
    after = (root / "package.json").read_text()
    start = original.index('  "blocklet": {')
    end = original.index('  "scripts"')
    assert after == original[:start] + original[end:]


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": 1, "blocklet": {}, "b": 2}', '{"a": 1, "b": 2}'),
    ('{\n  "a": 1,\n  "blocklet": {"x": [1, "}"]}\n}\n', '{\n  "a": 1\n}\n'),
    ('{ "blocklet": { } }', '{}'),
    ('{"blocklet": 1,\r\n "a": "b"}', '{"a": "b"}'),
    ('{"a": 1}', '{"a": 1}'),
])
def test_remove_json_member(text: str, expected: str) -> None:
    assert remove_json_member(text, "blocklet") == expected
    json.loads(remove_json_member(text, "blocklet"))


def test_keep_leaves_the_sources(tmp_path: Path) -> None:
    root = copy("seed-package-field", tmp_path)
    before = (root / "package.json").read_bytes()
    result = apply_migration(plan_migration(root, keep=True))
    assert result.removed == [] and (root / "package.json").read_bytes() == before
    assert (root / "blocklet.yml").is_file()


def test_second_run_is_a_no_op(tmp_path: Path) -> None:
    for name in ("every-key", "seed-package-field", "half-migrated"):
        root = copy(name, tmp_path)
        apply_migration(plan_migration(root))
        snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
        again = plan_migration(root)
        assert not again.changed and again.kind == "current"
        apply_migration(again)
        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot


def test_all_or_nothing_when_a_write_fails(tmp_path: Path) -> None:
    root = copy("seed-package-field", tmp_path)
    result = plan_migration(root)
    (root / "blocklet.yml").mkdir()  # the new file cannot be written
    with pytest.raises(Exception):  # noqa: B017 - whatever the OS error, nothing may change
        apply_migration(result)
    assert (root / "package.json").read_bytes() == (FIXTURES / "seed-package-field" / "package.json").read_bytes()
    root2 = copy("seed-blocklet-json", tmp_path / "two")
    result2 = plan_migration(root2)
    (root2 / "blocklet.yml").mkdir()
    with pytest.raises(Exception):  # noqa: B017
        apply_migration(result2)
    assert (root2 / "blocklet.json").read_bytes() == (FIXTURES / "seed-blocklet-json" / "blocklet.json").read_bytes()
    assert not list(root2.glob(".blocklet.json.*"))


def test_modern_rewrite_keeps_comments_and_formatting(tmp_path: Path) -> None:
    root = copy("half-migrated", tmp_path)
    original = (root / "blocklet.yml").read_text()
    result = apply_migration(plan_migration(root))
    text = (root / "blocklet.yml").read_text()
    assert result.kind == "modern"
    for kept in ("# A blocklet.yml from the 1.1 days", "# The web interface.", "  server: '>=1.5.0' # the ABT Node",
                 "components:\n  - name: static-demo # a demo\n    source:\n      url: https://store.blocklet.dev",
                 "    mountPoint: /demo\n\npayment:\n  price:\n    - address: z35n6UoHSi9MED4uaQy6ozFgKPaZj2UKrurBG\n",
                 "specVersion: 1.2.8 # bumped by hand"):
        assert kept in text
    body = text.split("\n", 1)[1]  # after the first comment line, which names them
    assert "charging" not in body and "abtnode" not in body and "children" not in body
    head = original.split("requirements:")[0]
    assert text.startswith(head)  # everything before the first legacy key is byte-identical


def test_modern_requirements_with_server_drops_abtnode(tmp_path: Path) -> None:
    from blocklet_cli.core.identity.did import to_blocklet_did

    (tmp_path / "blocklet.yml").write_text(
        f"name: x-y\ndid: {to_blocklet_did('x-y')}\nversion: 1.0.0\ndescription: demo blocklet\n"
        "group: gateway\nrequirements:\n  abtnode: '>=1.0.0'\n  server: '>=1.7.0'\n  os: '*'\n")
    found = legacy.legacy_keys(load_meta(tmp_path / "blocklet.yml").data)
    assert [k.pointer for k in found] == ["/requirements/abtnode"]
    result = plan_migration(tmp_path)
    assert result.new_text.endswith("requirements:\n  server: '>=1.7.0'\n  os: '*'\n")


def test_legacy_keys_explained_with_positions(tmp_path: Path) -> None:
    document = load_meta(FIXTURES / "half-migrated" / "blocklet.yml")
    found = {k.pointer: k for k in legacy.legacy_keys(document.data, document.positions)}
    assert set(found) == {"/children", "/charging", "/requirements/abtnode", "/specVersion"}
    assert "`components`" in found["/children"].message and found["/children"].line == 23
    assert "`payment`" in found["/charging"].message
    assert "`requirements.server`" in found["/requirements/abtnode"].message
    assert "1.1.0" in found["/specVersion"].message


def test_invalid_legacy_metadata_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "blocklet.json").write_text('{"name": "Bad Name!", "group": "dapp", "main": "x.js"}')
    with pytest.raises(MetaError):
        apply_migration(plan_migration(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocklet.json"]


def test_control_characters_never_reach_comments_raw(tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("x")
    (tmp_path / "blocklet.json").write_text(json.dumps({"name": "ctl", "main": "www", "group": "static",
                                                        "provider": "evil\u001b[31m\nname: hijack"}))
    result = plan_migration(tmp_path)
    assert "\u001b" not in result.new_text and "\nname: hijack" not in result.new_text
    assert load_meta_text(result.new_text)["name"] == "ctl"


def load_meta_text(text: str) -> dict:
    from blocklet_cli.core.meta.yaml12 import load_yaml

    return load_yaml(text, "blocklet.yml")[0]


def test_modern_rewrite_keeps_crlf(tmp_path: Path) -> None:
    text = (FIXTURES / "half-migrated" / "blocklet.yml").read_text().replace("\n", "\r\n")
    (tmp_path / "blocklet.yml").write_bytes(text.encode())
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("x")
    apply_migration(plan_migration(tmp_path))
    data = (tmp_path / "blocklet.yml").read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert load_meta(tmp_path / "blocklet.yml").data["components"][0]["source"]["url"].startswith("https://")


def test_leftover_legacy_file_beside_blocklet_yml_is_noted(tmp_path: Path) -> None:
    root = copy("half-migrated", tmp_path)
    (root / "blocklet.json").write_text('{"name": "half-migrated"}')
    result = plan_migration(root)
    assert any(note.startswith("blocklet.json also present") for note in result.notes)
    assert result.deletes == []  # never removed silently


def test_sources_changed_after_planning_are_not_overwritten(tmp_path: Path) -> None:
    from blocklet_cli.core.errors import ConflictError

    root = copy("seed-package-field", tmp_path)
    result = plan_migration(root)
    (root / "package.json").write_text((root / "package.json").read_text().replace("0.3.1", "0.3.2"))
    with pytest.raises(ConflictError):
        apply_migration(result)
    assert not (root / "blocklet.yml").exists() and "0.3.2" in (root / "package.json").read_text()


def test_both_sources_merged_blocklet_json_wins(tmp_path: Path) -> None:
    project = legacy.read_legacy(copy("both-sources", tmp_path))
    assert project.sources == ["blocklet.json", "package.json#blocklet"]
    assert project.source_of("title") == "package.json#blocklet" and project.source_of("scripts") == "blocklet.json"
    result = apply_migration(plan_migration(project.root))
    doc = load_meta(project.root / "blocklet.yml").data
    assert doc["keywords"] == ["database", "demo"] and doc["timeout"] == {"start": 120}
    assert doc["interfaces"][1] == {"type": "service", "name": "tcp", "path": "/", "prefix": "*",
                                    "port": {"internal": "BLOCKLET_TCP_PORT", "external": 27017}, "protocol": "tcp"}
    assert doc["specVersion"] == "1.2.8"
    assert result.removed == ["package.json#blocklet", "blocklet.json"]
    assert "blocklet" not in json.loads((project.root / "package.json").read_text())


def test_camel_case_url_keys_are_kept_too(tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("x")
    (tmp_path / "blocklet.json").write_text(json.dumps({"name": "camel-urls", "group": "static", "main": "www",
                                                        "adminUrl": "/admin", "configUrl": "/config",
                                                        "docUrl": "/docs", "publicUrl": "/home"}))
    result = plan_migration(tmp_path)
    for line in ("# admin_url: /admin", "# config_url: /config", "# doc_url: /docs"):
        assert line in result.new_text
    assert result.meta["interfaces"][0]["path"] == "/home"
