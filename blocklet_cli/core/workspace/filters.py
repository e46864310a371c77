"""`--filter` selections, with pnpm's dependency-graph selectors (https://pnpm.io/filtering):

- `NAME` (or a folder, or a glob): the blocklets it matches (`discover.matches`);
- `NAME...`: those and every blocklet they use as a component, transitively; `NAME^...`: only the latter;
- `...NAME`: those and every blocklet using them, transitively; `...^NAME`: only the latter;
- `...NAME...`: both directions;
- `!SELECTOR`: leaves out what SELECTOR selects (with only `!` filters, from every blocklet).

"Uses" is the workspace's component graph (`order.dependencies`), the one that orders the run."""

from __future__ import annotations

from dataclasses import dataclass

from blocklet_cli.core.errors import UsageError
from blocklet_cli.core.workspace.discover import Member, matches
from blocklet_cli.core.workspace.order import dependencies

ELLIPSIS = "..."


@dataclass(frozen=True)
class Selector:
    """One parsed `--filter` value."""

    pattern: str
    dependencies: bool = False  # `NAME...`
    dependents: bool = False  # `...NAME`
    exclude_self: bool = False  # `^`
    exclude: bool = False  # `!`


def parse(raw: str) -> Selector:
    """A `--filter` value as a Selector; UsageError for one without a pattern (`...`, `!`)."""
    text = raw.strip()
    exclude = text.startswith("!")
    text = text[1:] if exclude else text
    dependents = text.startswith(ELLIPSIS)
    text = text[len(ELLIPSIS):] if dependents else text
    dependencies_ = text.endswith(ELLIPSIS)
    text = text[:-len(ELLIPSIS)] if dependencies_ else text
    exclude_self = False
    if dependents and text.startswith("^"):
        exclude_self, text = True, text[1:]
    if dependencies_ and text.endswith("^"):
        exclude_self, text = True, text[:-1]
    if not text.strip():
        raise UsageError(f"--filter {raw!r} names no blocklet",
                         hint="NAME, NAME... (with what it uses), ...NAME (with what uses it), ^ leaves NAME out, "
                              "!NAME excludes")
    return Selector(text, dependencies_, dependents, exclude_self, exclude)


def _closure(start: set[str], edges: dict[str, list[str]]) -> set[str]:
    """Every folder reachable from `start` along `edges` (not `start` itself unless on a cycle back)."""
    found: set[str] = set()
    todo = [nxt for rel in start for nxt in edges.get(rel, [])]
    while todo:
        rel = todo.pop()
        if rel not in found:
            found.add(rel)
            todo += edges.get(rel, [])
    return found


def _selected(selector: Selector, members: list[Member], deps: dict[str, list[str]],
              users: dict[str, list[str]]) -> set[str]:
    hits = {member.rel for member in members if matches(member, selector.pattern)}
    if not hits:
        known = ", ".join(member.name for member in members) or "none"
        raise UsageError(f"--filter {selector.pattern!r} matches no blocklet of the workspace",
                         hint=f"the blocklets are: {known} (match a name or a folder, globs allowed)")
    chosen = set() if selector.exclude_self and (selector.dependencies or selector.dependents) else set(hits)
    if selector.dependencies:
        chosen |= _closure(hits, deps)
    if selector.dependents:
        chosen |= _closure(hits, users)
    return chosen


def select(members: list[Member], filters: list[str] | None,
           deps: dict[str, list[str]] | None = None) -> list[Member]:
    """The members the filters select (all of them without filters), sorted by folder; `deps` is the
    component graph of `members` (computed when not given). A filter matching nothing is a UsageError."""
    if not filters:
        return list(members)
    selectors = [parse(raw) for raw in filters]
    graph = deps if deps is not None else dependencies(members)
    users: dict[str, list[str]] = {member.rel: [] for member in members}
    for rel, needs in graph.items():
        for need in needs:
            users.setdefault(need, []).append(rel)
    included = [selector for selector in selectors if not selector.exclude]
    chosen: set[str] = set() if included else {member.rel for member in members}
    for selector in included:
        chosen |= _selected(selector, members, graph, users)
    for selector in selectors:
        if selector.exclude:
            chosen -= _selected(selector, members, graph, users)
    return sorted((member for member in members if member.rel in chosen), key=lambda member: member.rel)
