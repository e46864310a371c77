"""Round-trip edits of `components` in blocklet.yml (core/components/edit.py)."""

from __future__ import annotations

import pytest
import yaml

from blocklet_cli.core.components.edit import add_component, components_in, remove_component
from blocklet_cli.core.errors import FileFormatError

ENTRY = {"name": "static-demo", "title": "Static Demo", "mountPoint": "/static-demo",
         "source": {"store": "https://store.blocklet.dev", "name": "static-demo", "version": "latest"}}

COMMENTED = """\
# Tidegate hub: keep this header
name: tidegate-hub   # the name
did: z8iZi3CXwpEgvixM1vv3JVBmZzCYjd8DmvAmg
version: "2.0.0"
interfaces:
  - type: web   # only one
    name: publicUrl
components:
  # the timetable
  - name: harbor-lights
    title: 'Timetable'
    mountPoint: /timetable
    source:
      store: https://store.blocklet.dev
      name: harbor-lights
      version: latest   # always newest
# trailing comment about navigation
navigation:
  - id: timetable
    title: Timetable
"""


def test_add_then_remove_is_byte_identical():
    added = add_component(COMMENTED, ENTRY)
    assert added.startswith(COMMENTED.split("# trailing")[0])
    assert "      version: latest   # always newest\n  - name: static-demo\n    title: Static Demo\n" in added
    assert added.endswith("# trailing comment about navigation\nnavigation:\n  - id: timetable\n    title: Timetable\n")
    assert yaml.safe_load(added)["components"][1] == ENTRY
    assert remove_component(added, "static-demo") == COMMENTED


def test_add_creates_the_key_at_the_end_and_remove_takes_it_away():
    text = "name: a  # x\nversion: 1.0.0\n"
    added = add_component(text, ENTRY)
    assert added == (text + "components:\n  - name: static-demo\n    title: Static Demo\n"
                     "    mountPoint: /static-demo\n    source:\n      store: https://store.blocklet.dev\n"
                     "      name: static-demo\n      version: latest\n")
    assert remove_component(added, "static-demo") == text


def test_file_indentation_style_is_followed():
    text = ("name: a\ninterfaces:\n- type: web\n  port:\n      internal: 1\n"
            "components:\n- name: b\n  source:\n      url: x://b\n")
    added = add_component(text, ENTRY)
    assert added.endswith("- name: static-demo\n  title: Static Demo\n  mountPoint: /static-demo\n  source:\n"
                          "      store: https://store.blocklet.dev\n      name: static-demo\n      version: latest\n")
    assert remove_component(added, "static-demo") == text


def test_crlf_line_endings_are_kept():
    text = "name: a\r\ncomponents:\r\n  - name: b\r\n    source:\r\n      url: x://b\r\n"
    added = add_component(text, ENTRY)
    assert "\n" not in added.replace("\r\n", "")
    assert remove_component(added, "static-demo") == text


def test_legacy_children_key_is_used():
    text = "name: a\nchildren:\n  - name: b\n    source:\n      url: x://b\nversion: 1.0.0\n"
    added = add_component(text, ENTRY)
    assert [c["name"] for c in yaml.safe_load(added)["children"]] == ["b", "static-demo"]
    assert "components" not in added


@pytest.mark.parametrize("value", ["", " ~"])
def test_empty_components_value_becomes_a_block_list(value):
    text = f"name: a\ncomponents:{value}\nversion: 1.0.0\n"
    added = add_component(text, ENTRY)
    assert yaml.safe_load(added)["components"] == [ENTRY]
    assert added.startswith("name: a\ncomponents:") and added.endswith("\nversion: 1.0.0\n")
    assert "- name: static-demo\n" in added


@pytest.mark.parametrize("text", [
    "name: a\r\nversion: 1.0.0\r\ncomponents:\r\n  - name: c\r\n    source:\r\n      url: x://c\r\n",
    "name: a\r\nversion: 1.0.0\r\n",
    "name: a\r\ncomponents: []\r\nversion: 1.0.0\r\n",
    "name: a\nversion: 1.0.0",
    "name: a\ncomponents:\n  - name: c\n    source:\n      url: x://c",
    "name: a\ncomponents: []\nversion: 1.0.0\n",
    "name: a\ncomponents: []",
    "name: a\ncomponents: []  # none yet\nversion: 1.0.0\n",
], ids=["crlf", "crlf-no-key", "crlf-empty-flow", "no-final-newline", "no-final-newline-list", "empty-flow",
        "empty-flow-at-end", "empty-flow-commented"])
def test_add_then_remove_keeps_line_endings_final_newline_and_empty_list_form(text):
    added = add_component(text, ENTRY)
    assert yaml.safe_load(added)["components"][-1] == ENTRY
    if "\r\n" in text:
        assert "\n" not in added.replace("\r\n", "")
    assert added.endswith("\n") == text.endswith("\n")
    assert remove_component(added, "static-demo") == text


def test_flow_lists_are_edited_as_flow():
    text = 'name: a\ncomponents: [{name: b, source: {url: "x://b"}}]\n'
    added = add_component(text, ENTRY)
    assert [c["name"] for c in yaml.safe_load(added)["components"]] == ["b", "static-demo"]
    removed = remove_component(added, "b")
    assert yaml.safe_load(removed)["components"] == [ENTRY]


def test_quoting_follows_yaml_rules():
    entry = {"name": "x", "title": "Yes: really", "mountPoint": "/x", "source": {"url": ["a://1", "b://2"]}}
    added = add_component("name: a\n", entry)
    assert "title: 'Yes: really'" in added
    assert "      url:\n        - a://1\n        - b://2\n" in added
    assert yaml.safe_load(added)["components"] == [entry]


def test_removing_the_last_entry_keeps_a_commented_key():
    text = "name: a\ncomponents:\n  # keep me\n  - name: b\n    source:\n      url: x://b\nversion: 1.0.0\n"
    removed = remove_component(text, "b")
    assert removed == "name: a\ncomponents: []\n  # keep me\nversion: 1.0.0\n"
    assert yaml.safe_load(removed)["components"] == []


def test_removing_a_middle_entry_keeps_its_neighbours():
    text = ("components:\n  - name: a\n    source: {url: 'x://a'}\n  - name: b  # bee\n    source:\n"
            "      url: x://b\n  - name: c\n    source: {url: 'x://c'}\n")
    assert remove_component(text, "b") == ("components:\n  - name: a\n    source: {url: 'x://a'}\n"
                                            "  - name: c\n    source: {url: 'x://c'}\n")


def test_bad_yaml_is_reported_with_a_position():
    with pytest.raises(FileFormatError) as info:
        components_in("name: a\ncomponents: [\n", "blocklet.yml")
    assert info.value.location.startswith("blocklet.yml:")


def test_components_must_be_a_list():
    with pytest.raises(FileFormatError, match="must be a list"):
        add_component("components: {a: 1}\n", ENTRY)
