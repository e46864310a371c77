"""The YAML 1.2 loader: js-yaml scalar semantics, positions, bad input."""

from __future__ import annotations

import math

import pytest

from blocklet_cli.core.errors import FileFormatError
from blocklet_cli.core.meta.yaml12 import JsDate, check_text, js_key_order, load_yaml


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"),
    ("True", True), ("TRUE", True), ("false", False), ("tRUE", "tRUE"),
    ("0o17", 15), ("017", 17), ("0x7E8", 2024), ("0b101", 5), ("-0x10", -16), ("+12", 12),
    ("1:20", "1:20"), ("1_000", "1_000"), ("1.0", 1), ("1.5", 1.5), ("-.5", "-.5"), (".5", 0.5), ("1e3", 1000),
    ("~", None), ("null", None), ("Null", None), ("", None), ("'017'", "017"), ('"yes"', "yes"),
    (".inf", math.inf), ("-.Inf", -math.inf),
])
def test_scalars_follow_yaml_1_2_core(text: str, expected: object) -> None:
    data, _ = load_yaml(f"v: {text}\n", "f.yml")
    assert data["v"] == expected
    assert type(data["v"]) is type(expected)


def test_nan_and_timestamps() -> None:
    data, _ = load_yaml("n: .NaN\nd: 2024-01-01\nt: 2024-01-02T03:04:05.5+01:00\n", "f.yml")
    assert math.isnan(data["n"])
    assert isinstance(data["d"], JsDate) and data["d"].iso() == "2024-01-01T00:00:00.000Z"
    assert data["t"].iso() == "2024-01-02T02:04:05.500Z"


def test_duplicate_keys_last_wins_in_first_place() -> None:
    data, positions = load_yaml("a: 1\nb: 2\na: 3\n", "f.yml")
    assert data == {"a": 3, "b": 2}
    assert list(data) == ["a", "b"]
    assert positions["/a"] == (3, 4)


def test_positions_are_one_based_for_every_node() -> None:
    text = "name: x\nenvironments:\n  - name: A\n    description: d\nlist: [1, 2]\n"
    _, positions = load_yaml(text, "f.yml")
    assert positions[""] == (1, 1)
    assert positions["/name"] == (1, 7)
    assert positions["/environments"] == (2, 1)
    assert positions["/environments/0"] == (3, 5)
    assert positions["/environments/0/name"] == (3, 11)
    assert positions["/environments/0/description"] == (4, 18)
    assert positions["/list/1"] == (5, 11)


def test_keys_are_javascript_property_names() -> None:
    data, positions = load_yaml("b: 1\n2: two\n1: one\ntrue: t\nnull: n\na/b: s\n", "f.yml")
    assert list(data) == ["1", "2", "b", "true", "null", "a/b"]
    assert positions["/a~1b"] == (6, 6)
    assert js_key_order({"x": 1, "10": 2, "9": 3}) == {"9": 3, "10": 2, "x": 1}


def test_merge_keys() -> None:
    data, _ = load_yaml("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n", "f.yml")
    assert data["item"] == {"x": 1, "y": 3}


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(FileFormatError) as info:
        load_yaml("name: ok\nbad: [1,\n", "p/blocklet.yml")
    assert info.value.location.startswith("p/blocklet.yml:3:")
    assert "invalid YAML" in info.value.message


def test_at_sign_cannot_start_a_plain_scalar() -> None:
    with pytest.raises(FileFormatError) as info:
        load_yaml("name: @scope/pkg\n", "b.yml")
    assert info.value.location == "b.yml:1:7"


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(9):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    with pytest.raises(FileFormatError) as info:
        load_yaml("\n".join(lines) + "\n", "bomb.yml")
    assert "aliases" in info.value.message


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(FileFormatError):
        load_yaml("a: " + "[" * 2000 + "]" * 2000 + "\n", "deep.yml")


def test_empty_document_is_none() -> None:
    assert load_yaml("# only a comment\n", "f.yml") == (None, {})


@pytest.mark.parametrize(("raw", "message"), [
    (b"a\x00b", "binary"), (b"\xff\xfe\x00", "binary"), (b"caf\xe9", "UTF-8"),
])
def test_check_text_refuses_non_text(raw: bytes, message: str) -> None:
    with pytest.raises(FileFormatError) as info:
        check_text(raw, "f.yml")
    assert message in info.value.message


def test_check_text_refuses_large_files_and_drops_bom() -> None:
    with pytest.raises(FileFormatError, match="too large"):
        check_text(b" " * (5 * 1024 * 1024 + 1), "f.yml")
    assert check_text("\ufeffa: 1".encode(), "f.yml") == "a: 1"
