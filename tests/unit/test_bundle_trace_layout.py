"""Flat node_modules planning with nested copies on version conflicts (core/bundle/trace/layout.py)."""

from __future__ import annotations

from blocklet_cli.core.bundle.trace.layout import plan_layout


def test_everything_hoists_when_nothing_conflicts() -> None:
    placed = plan_layout({"express": "E"}, {"E": {"body-parser": "B", "debug": "D"}, "B": {"debug": "D"}})
    assert placed == {"E": ["node_modules/express"], "B": ["node_modules/body-parser"], "D": ["node_modules/debug"]}


def test_a_second_version_nests_under_the_package_that_needs_it() -> None:
    placed = plan_layout({"debug": "D4", "send": "S"}, {"S": {"debug": "D2"}, "D2": {"ms": "M2"}, "D4": {"ms": "M3"}})
    assert placed["D4"] == ["node_modules/debug"]
    assert placed["D2"] == ["node_modules/send/node_modules/debug"]
    # ms: the top-level debug@4 claims node_modules/ms first (breadth-first), debug@2's ms nests
    assert placed["M3"] == ["node_modules/ms"]
    assert placed["M2"] == ["node_modules/send/node_modules/ms"]


def test_two_packages_needing_the_same_old_version_each_get_a_copy() -> None:
    placed = plan_layout({"debug": "D4", "a": "A", "b": "B"}, {"A": {"debug": "D2"}, "B": {"debug": "D2"}})
    assert sorted(placed["D2"]) == ["node_modules/a/node_modules/debug", "node_modules/b/node_modules/debug"]


def test_a_placement_never_shadows_what_a_deeper_package_already_found() -> None:
    # Under a: b@2 (its y is the root's y@1) and x@2 (needs y@2). b is processed first and finds y@1
    # at the top; putting y@2 into a/node_modules would hide it from b, so y@2 goes under x.
    placed = plan_layout({"a": "A", "b": "B1", "x": "X1", "y": "Y1"},
                         {"A": {"b": "B2", "x": "X2"}, "B2": {"y": "Y1"}, "X2": {"y": "Y2"}})
    assert placed["B2"] == ["node_modules/a/node_modules/b"]
    assert placed["X2"] == ["node_modules/a/node_modules/x"]
    assert placed["Y1"] == ["node_modules/y"]
    assert placed["Y2"] == ["node_modules/a/node_modules/x/node_modules/y"]


def test_without_a_deeper_user_the_second_version_goes_as_high_as_it_can() -> None:
    placed = plan_layout({"a": "A", "x": "X1", "y": "Y1"}, {"A": {"x": "X2"}, "X2": {"y": "Y2"}})
    assert placed["Y2"] == ["node_modules/a/node_modules/y"]


def test_cycles_terminate() -> None:
    placed = plan_layout({"a": "A"}, {"A": {"b": "B"}, "B": {"a": "A"}})
    assert placed == {"A": ["node_modules/a"], "B": ["node_modules/b"]}
