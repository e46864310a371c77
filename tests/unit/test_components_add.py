"""Argument parsing and defaults of `blocklet add` (core/components/add.py)."""

from __future__ import annotations

import pytest

from blocklet_cli.core.components.add import ComponentSpec, default_mount_segment, parse_spec
from blocklet_cli.core.components.edit import add_component
from blocklet_cli.core.errors import UsageError


@pytest.mark.parametrize(("text", "expected"), [
    ("static-demo", ComponentSpec(name="static-demo")),
    ("static-demo@latest", ComponentSpec(name="static-demo")),
    ("static-demo@1.3.0", ComponentSpec(name="static-demo", version="1.3.0")),
    ("@scope/pkg@2.0.0-beta.1", ComponentSpec(name="@scope/pkg", version="2.0.0-beta.1")),
    ("@scope/pkg", ComponentSpec(name="@scope/pkg")),
    ("https://example.com/blocklet.json", ComponentSpec(url="https://example.com/blocklet.json")),
    ("file:///tmp/x/blocklet.json", ComponentSpec(url="file:///tmp/x/blocklet.json")),
    ("file:release/blocklet.json", ComponentSpec(url="file:release/blocklet.json")),
])
def test_parse_spec(text, expected):
    assert parse_spec(text) == expected


@pytest.mark.parametrize("text", ["static-demo@^1.0.0", "x@1.0", "", "   "])
def test_parse_spec_refuses(text):
    with pytest.raises(UsageError):
        parse_spec(text)


@pytest.mark.parametrize(("name", "expected"), [
    ("static-demo", "static-demo"),
    ("@scope/pkg", "scope-pkg"),
    ("Crème brûlée!!", "Crme-brle"),
    ("a...b", "a.b"),
    ("ü", "component"),
])
def test_default_mount_segment(name, expected):
    assert default_mount_segment(name) == expected


def test_file_without_final_newline_keeps_having_none():
    added = add_component("name: a", {"name": "b", "source": {"url": "x://b"}})
    assert added == "name: a\ncomponents:\n  - name: b\n    source:\n      url: x://b"
