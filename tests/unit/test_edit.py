"""Round-trip edits: one value changes, every other byte stays."""

from __future__ import annotations

import json

import pytest
import yaml

from blocklet_cli.core.errors import BlockletError, FileFormatError
from blocklet_cli.core.project import edit

COMMENTED = """\
# Top comment: keep me
name: harbor-lights   # trailing comment
did: z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ

# a blank line above, and a comment here
version: {version}  # the version, with a comment
title: "Harbor: Lights"
nested:
  version: 9.9.9   # not the top-level one
list:
  - version: 0.0.1
files: [a, b]   # flow style
"""


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("1.2.3", "1.2.4", "1.2.4"),
    ("'1.2.3'", "1.2.4", "'1.2.4'"),
    ('"1.2.3"', "2.0.0-beta.0", '"2.0.0-beta.0"'),
    ("v1.2.3", "1.3.0", "1.3.0"),
])
def test_yaml_scalar_replaced_in_place_keeping_quoting(old: str, new: str, expected: str) -> None:
    before = COMMENTED.format(version=old)
    after = edit.set_yaml_top_level_scalar(before, "version", new)
    assert after == COMMENTED.format(version=expected)
    assert yaml.safe_load(after)["version"] == new
    assert yaml.safe_load(after)["nested"]["version"] == "9.9.9"


def test_plain_value_gets_quotes_only_when_needed() -> None:
    text = "name: a\nversion: 1.0.0\n"
    # a value that would read back as a number must be quoted
    assert edit.set_yaml_top_level_scalar(text, "version", "1.0") == "name: a\nversion: '1.0'\n"
    assert edit.set_yaml_top_level_scalar(text, "version", "it's: odd") == "name: a\nversion: 'it''s: odd'\n"


def test_last_duplicate_key_wins_like_js_yaml() -> None:
    text = "version: 1.0.0\nname: a\nversion: 2.0.0\n"
    assert edit.set_yaml_top_level_scalar(text, "version", "2.0.1") == "version: 1.0.0\nname: a\nversion: 2.0.1\n"
    assert edit.yaml_top_level_value(text, "version") == ("2.0.0", True)


def test_missing_key_added_after_anchor_with_its_indentation() -> None:
    text = "# c\nname: a  # n\ndid: zX\ntitle: T\n"
    out = edit.set_yaml_top_level_scalar(text, "version", "1.0.1", after=("did", "name"))
    assert out == "# c\nname: a  # n\ndid: zX\nversion: 1.0.1\ntitle: T\n"


def test_missing_key_in_flow_document_and_without_anchor() -> None:
    assert edit.set_yaml_top_level_scalar('{"name": "a"}\n', "version", "1.0.0") == \
        '{"version": "1.0.0", "name": "a"}\n'
    assert edit.set_yaml_top_level_scalar("name: a", "version", "1.0.0") == "name: a\nversion: 1.0.0\n"


def test_yaml_errors_are_located() -> None:
    with pytest.raises(FileFormatError) as info:
        edit.set_yaml_top_level_scalar("name: a\nversion: [1\n", "version", "1.0.0", name="b.yml")
    assert info.value.location.startswith("b.yml:")
    with pytest.raises(FileFormatError, match="must be a mapping"):
        edit.set_yaml_top_level_scalar("- a\n", "version", "1.0.0")
    with pytest.raises(FileFormatError, match="not a single value"):
        edit.set_yaml_top_level_scalar("version:\n  a: 1\n", "version", "1.0.0")


@pytest.mark.parametrize("value", ["1.0.0", "abc", "yes", "null", "1e3", "0o17", "-x", "a: b", "a #b", "#x",
                                   "2024-01-01", " lead", "trail ", "tab\there", "new\nline", "it's", "@x", "*"])
def test_yaml_scalar_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"k: {edit.yaml_scalar(value)}\n")["k"] == value


PACKAGE = '{\n    "name": "harbor",\n    "version": "1.2.3",\n    "scripts": {"version": "x"},\n    "private": true\n}'


def test_json_value_replaced_keeping_format() -> None:
    out = edit.set_json_top_level_string(PACKAGE, "version", "1.3.0")
    assert out == PACKAGE.replace('"1.2.3"', '"1.3.0"')
    assert not out.endswith("\n")
    assert json.loads(out)["scripts"]["version"] == "x"


def test_json_missing_key_inserted_after_name_with_same_spacing() -> None:
    text = '{\n\t"name": "a",\n\t"private": true\n}\n'
    assert edit.set_json_top_level_string(text, "version", "1.0.0", after="name") == \
        '{\n\t"name": "a",\n\t"version": "1.0.0",\n\t"private": true\n}\n'
    single = '{\n  "name": "a"\n}\n'
    assert edit.set_json_top_level_string(single, "version", "1.0.0", after="name") == \
        '{\n  "name": "a",\n  "version": "1.0.0"\n}\n'
    assert edit.set_json_top_level_string("{}", "version", "1.0.0") == '{"version": "1.0.0"}'


def test_json_errors() -> None:
    with pytest.raises(FileFormatError, match="invalid JSON"):
        edit.set_json_top_level_string('{"name": }', "version", "1.0.0")
    with pytest.raises(FileFormatError):
        edit.set_json_top_level_string("[1]", "version", "1.0.0")


def test_write_all_is_all_or_nothing(tmp_path) -> None:
    first = tmp_path / "a.txt"
    first.write_text("old a")
    impossible = tmp_path / "missing-folder" / "b.txt"  # its write fails after a.txt was replaced
    with pytest.raises(BlockletError, match="cannot write"):
        edit.write_all({first: "new a", impossible: "new b"})
    assert first.read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    second = tmp_path / "b.txt"
    edit.write_all({first: "new a", second: "new b"})
    assert (first.read_text(), second.read_text()) == ("new a", "new b")


@pytest.mark.parametrize(("before", "after"), [
    ("name: a\nversion: |\n  1.0.0\ntitle: x\n", "name: a\nversion: 1.0.1\ntitle: x\n"),
    ("name: a\nversion:\ntitle: x\n", "name: a\nversion: 1.0.1\ntitle: x\n"),
    ("name: a\nversion: &v 1.0.0\ntitle: *v\n", "name: a\nversion: &v 1.0.1\ntitle: *v\n"),
    ("name: a\nversion: !!str 1.0.0  # c\n", "name: a\nversion: !!str 1.0.1  # c\n"),
    ("\ufeff# c\r\nname: a\r\nversion: 1.0.0 # x\r\n", "\ufeff# c\r\nname: a\r\nversion: 1.0.1 # x\r\n"),
    ("name: a\r\ndid: z\r\ntitle: t\r\n", "name: a\r\ndid: z\r\nversion: 1.0.1\r\ntitle: t\r\n"),
])
def test_unusual_scalars_and_line_endings(before: str, after: str) -> None:
    assert edit.set_yaml_top_level_scalar(before, "version", "1.0.1", after=("did",)) == after
    assert yaml.safe_load(after.lstrip("\ufeff"))["version"] == "1.0.1"
