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


# -- add then remove, over every starting shape of the key -----------------------------------------------

ROUND_TRIP_HEAD = ("# Tidegate hub: keep this header\nname: tidegate-hub   # the name\n"
                   "did: z8iZi3CXwpEgvixM1vv3JVBmZzCYjd8DmvAmg\nversion: 2.0.0\n"
                   "description: Harbor hub with a timetable\ngroup: static\nmain: www\n")
ROUND_TRIP_TAIL = "# the navigation\nnavigation:\n  - id: home\n    title: Home\n"
HARBOR_URL = "https://store.blocklet.dev/api/blocklets/z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ/blocklet.json"
# shape -> (the key as written, the closest form add-then-remove can give back or None when it is byte-identical)
KEY_SHAPES: dict[str, tuple[str | None, str | None]] = {
    "absent": (None, None),
    "bare": ("components:", "components: []"),
    "bare-spaces": ("components:   ", "components: []   "),
    "bare-comment": ("components:  # none yet", "components: []  # none yet"),
    "tilde": ("components: ~", "components: []"),
    "empty-flow": ("components: []", None),
    "empty-flow-spaced": ("components: [ ]", None),
    "empty-flow-comment": ("components: []  # none yet", None),
    "flow": (f'components: [{{name: harbor-lights, mountPoint: /timetable, source: {{url: "{HARBOR_URL}"}}}}]',
             None),
    "flow-multiline": (f"components: [\n  {{name: harbor-lights, mountPoint: /timetable,\n"
                       f"   source: {{url: '{HARBOR_URL}'}}}},   # pinned\n]", None),
    "block": (f"components:\n  # the timetable\n  - name: harbor-lights\n    mountPoint: /timetable\n"
              f"    source:\n      url: {HARBOR_URL}   # pinned\n  # more to come", None),
    "block-unindented": (f"components:\n- name: harbor-lights\n  mountPoint: /timetable\n"
                         f"  source: {{url: '{HARBOR_URL}'}}", None),
    "children": (f"children:\n  - name: harbor-lights\n    mountPoint: /timetable\n    source:\n"
                 f"      url: {HARBOR_URL}", None),
}
# where the key sits: between other keys, last key of the file, last key followed by a comment
KEY_PLACES = ("middle", "last", "last-then-comment")


def round_trip_text(shape: str, place: str, newline: str = "\n", final_newline: bool = True,
                    key: str | None = None) -> str:
    """A blocklet.yml with the components key of `shape` (or `key` in its place) at `place`."""
    key = KEY_SHAPES[shape][0] if key is None else key
    block = "" if key is None else key + "\n"
    if place == "middle":
        text = ROUND_TRIP_HEAD + block + ROUND_TRIP_TAIL
    else:
        text = ROUND_TRIP_HEAD + ROUND_TRIP_TAIL + block + ("# the end\n" if place == "last-then-comment" else "")
    text = text.replace("\n", newline)
    return text if final_newline else text.removesuffix(newline)


def round_trip_variants():
    """(place, newline, final newline) for every place, both line endings, with and without a final newline."""
    return [(place, newline, final) for place in KEY_PLACES for newline in ("\n", "\r\n") for final in (True, False)]


def expected_after_round_trip(shape: str, place: str, newline: str, final_newline: bool) -> str:
    """The original text, except for a null key (`components:`, `~`), which @blocklet/meta rejects: it comes
    back as `components: []` keeping its comment and spacing, or goes away when it was the file's very last
    line with nothing after the colon (what `add` writes for a missing key, which it cannot be told from)."""
    key, closest = KEY_SHAPES[shape]
    if closest is None:
        return round_trip_text(shape, place, newline, final_newline)
    if place == "last" and key in ("components:", "components: ~"):
        return round_trip_text("absent", place, newline, final_newline)
    return round_trip_text(shape, place, newline, final_newline, key=closest)


@pytest.mark.parametrize("shape", list(KEY_SHAPES))
def test_add_then_remove_over_every_starting_shape(shape):
    key = "children" if shape == "children" else "components"
    for place, newline, final_newline in round_trip_variants():
        variant = (shape, place, newline, final_newline)
        text = round_trip_text(*variant)
        before = yaml.safe_load(text)
        added = add_component(text, ENTRY)
        after = yaml.safe_load(added)
        assert after[key] == [*(before.get(key) or []), ENTRY], variant
        assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}, variant
        if newline == "\r\n":
            assert "\n" not in added.replace("\r\n", ""), variant
        assert added.endswith(newline) == final_newline, variant
        removed = remove_component(added, "static-demo")
        assert removed == expected_after_round_trip(*variant), variant
        assert (yaml.safe_load(removed).get(key) or []) == (before.get(key) or []), variant


def test_removing_the_last_entry_of_a_list_the_user_wrote():
    """The key stays where it is with `[]` (never a null `components:`); only a key exactly like the one `add`
    creates at the end of the file goes away."""
    entry = "  - name: b\n    source:\n      url: x://b\n"
    assert remove_component(f"name: a\ncomponents:\n{entry}version: 1.0.0\n", "b") == \
        "name: a\ncomponents: []\nversion: 1.0.0\n"
    assert remove_component(f"name: a\ncomponents:  # deps\n{entry}", "b") == "name: a\ncomponents: []  # deps\n"
    assert remove_component(f"name: a\ncomponents:\n{entry}# end\n", "b") == "name: a\ncomponents: []\n# end\n"
    assert remove_component(f"name: a\ncomponents:\n{entry}", "b") == "name: a\n"


def test_flow_entries_are_removed_with_their_separator_only():
    text = "components: [{name: a, source: {url: 'x://a'}} , {name: b, source: {url: 'x://b'}},{name: c}]  # x\n"
    assert remove_component(text, "b") == "components: [{name: a, source: {url: 'x://a'}},{name: c}]  # x\n"
    assert remove_component(text, "a") == "components: [{name: b, source: {url: 'x://b'}},{name: c}]  # x\n"
    assert remove_component(text, "c") == ("components: [{name: a, source: {url: 'x://a'}} , "
                                            "{name: b, source: {url: 'x://b'}}]  # x\n")
