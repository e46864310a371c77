"""The metadata API: discovery, modes, positions, the validateMeta path, projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklet_cli.core.errors import FileFormatError, MetaError, NotFoundError
from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.meta import (
    check_meta_dict,
    find_meta_file,
    load_meta,
    parse_meta,
    validate_meta_dict,
    validate_path,
)
from blocklet_cli.core.project.model import Project, load_project

GOOD = f"name: demo\ndid: {to_blocklet_did('demo')}\nversion: 1.0.0\ndescription: A demo app\n"


def write(folder: Path, text: str, name: str = "blocklet.yml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_discovery_prefers_yml(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "blocklet.yaml")
    assert find_meta_file(tmp_path) == tmp_path / "blocklet.yaml"
    write(tmp_path, GOOD)
    assert find_meta_file(tmp_path) == tmp_path / "blocklet.yml"
    assert find_meta_file(tmp_path / "blocklet.yaml") == tmp_path / "blocklet.yaml"
    (tmp_path / "sub").mkdir()
    with pytest.raises(NotFoundError, match=r"no blocklet\.yml or blocklet\.yaml found"):
        find_meta_file(tmp_path / "sub")
    with pytest.raises(NotFoundError, match="does not exist"):
        find_meta_file(tmp_path / "missing")


def test_parse_meta_returns_reference_order(tmp_path: Path) -> None:
    meta = parse_meta(write(tmp_path, "did: z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8\nextra: 1\n"))
    assert list(meta) == ["did", "description", "version", "name", "community", "documentation", "homepage",
                          "license", "nftFactory", "payment", "timeout", "requirements", "interfaces",
                          "environments", "capabilities", "screenshots", "components", "egress"]
    assert meta["description"] == f"Blocklet from {tmp_path.resolve()}"


def test_parse_meta_raises_with_every_issue_and_position(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\ndid: nope\nversion: 1.0\ngroup: x\n")
    with pytest.raises(MetaError) as info:
        parse_meta(tmp_path)
    issues = [(i.pointer, i.line, i.column) for i in info.value.issues]
    assert issues == [("/did", 2, 6), ("/version", 3, 10), ("/group", 4, 8)]
    assert info.value.path.endswith("blocklet.yml")


def test_positions_follow_renames_and_camel_case(tmp_path: Path) -> None:
    text = GOOD + "spec_version: 0.1.0\nscripts:\n  pre-start: ''\nchildren:\n  - source: {url: 'a b'}\n"
    report = validate_path(write(tmp_path, text))
    found = {i.pointer: (i.line, i.column) for i in report.issues}
    assert found == {"/specVersion": (5, 15), "/scripts/preStart": (7, 14), "/components/0/source": (9, 5)}


def test_modes(tmp_path: Path) -> None:
    text = GOOD + ("group: static\nmain: www\nlogo: logo.png\nunknown: 1\nenvironments:\n"
                   "  - name: ABT_NODE_X\n    description: x\ncomponents:\n  - source: {name: c}\n")
    write(tmp_path, text)
    assert validate_path(tmp_path, mode="meta").valid
    assert [i.pointer for i in validate_path(tmp_path, mode="release").issues] == ["/components/0/source"]
    assert [i.pointer for i in validate_path(tmp_path, mode="dev").issues] == ["/unknown", "/components/0/source"]
    assert validate_path(tmp_path, mode="dev", default_store_url="https://s").issues[0].pointer == "/unknown"
    bundle = [(i.pointer, i.message) for i in validate_path(tmp_path, mode="bundle").issues]
    assert bundle == [("/main", "Can not find index.html or index.htm in www"),  # in file order
                      ("/logo", 'file "logo.png" does not exist'),
                      ("/unknown", '"unknown" is not allowed'),
                      ("/environments/0/name",
                       "Blocklet key of environments can not start with `ABT_NODE_` or `BLOCKLET_`"),
                      ("/components/0/source", "missing 'store' in source of component c")]
    (tmp_path / "logo.png").write_text("x")
    write(tmp_path / "www", "<html>", "index.htm")
    assert len(validate_path(tmp_path, mode="bundle", ensure_component_store=False).issues) == 2
    with pytest.raises(ValueError):
        validate_path(tmp_path, mode="nope")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"), ("- a\n", "not a list"), ("42\n", "not a number"),
])
def test_non_mapping_documents(tmp_path: Path, text: str, message: str) -> None:
    report = validate_path(write(tmp_path, text))
    assert not report.valid and message in report.issues[0].message and report.issues[0].line == 1


def test_bad_yaml_is_an_issue_for_validate_and_an_error_for_parse(tmp_path: Path) -> None:
    write(tmp_path, "name: x\n  bad: indentation\n")
    report = validate_path(tmp_path)
    assert report.issues[0].line == 2 and "invalid YAML" in report.issues[0].message
    with pytest.raises(FileFormatError) as info:
        parse_meta(tmp_path)
    assert info.value.location == f"{tmp_path / 'blocklet.yml'}:2:6"
    with pytest.raises(FileFormatError):
        load_meta(tmp_path)


def test_a_date_where_a_list_belongs_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # the service fix step leaves a non-array (here a YAML timestamp) to the schema, as the reference does
    for mode in ("meta", "release", "bundle"):
        report = validate_path(write(tmp_path, GOOD + "interfaces: 2020-01-01\n"), mode=mode)
        assert [(i.pointer, i.message, i.line) for i in report.issues] == [("/interfaces", "must be an array", 5)]


def test_validate_meta_dict_is_the_validate_meta_path() -> None:
    meta = {"name": "demo", "did": to_blocklet_did("demo"), "version": "1.0.0", "description": "A demo app"}
    assert validate_meta_dict(meta) == []
    assert [i.pointer for i in validate_meta_dict(meta, ensure_dist=True)] == ["/dist"]
    assert validate_meta_dict({**meta, "description": None})[0].pointer == "/description"  # no fix step
    assert validate_meta_dict([1])[0].message == "must be of type object"
    services = {**meta, "interfaces": [{"type": "web", "name": "w", "services": [{"name": "pay"}]}]}
    assert [i.message for i in validate_meta_dict(services)] == ["service pay does not exist"]
    assert validate_meta_dict(services, fix_services=False) == []
    value, issues = check_meta_dict({**meta, "x": 1})
    assert issues == [] and "x" not in value and value["egress"] is True


def test_load_project(tmp_path: Path) -> None:
    project = load_project(write(tmp_path, GOOD))
    assert isinstance(project, Project)
    assert project.root == tmp_path.resolve() and project.meta_path == tmp_path.resolve() / "blocklet.yml"
    assert project.meta["name"] == "demo"
    assert project.to_dict()["meta"]["did"] == to_blocklet_did("demo")
    with pytest.raises(MetaError):
        load_project(write(tmp_path, GOOD + "unknown: 1\n"), mode="bundle")
