"""A flat, npm-style `node_modules` tree for the traced packages.

Packages are placed breadth-first from the app, each as high as it can go: at the top
(`node_modules/<name>`) unless another version of the same name is already visible from the
package that needs it, in which case it is nested under the nearest level where it does not clash
(`node_modules/a/node_modules/<name>`). A placement is also refused where it would shadow a package
that something below already finds higher up. The result is the layout npm itself produces, and Node
finds every package from the bundle alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

ROOT = ""


@dataclass
class _Slot:
    path: str  # "" for the app, else "node_modules/a[/node_modules/b…]"
    package: str  # package key ("" for the app)
    parent: _Slot | None
    children: dict[str, _Slot] = field(default_factory=dict)


def _chain(slot: _Slot) -> list[_Slot]:
    chain = []
    current: _Slot | None = slot
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def _is_under(slot: _Slot, ancestor: _Slot) -> bool:
    return any(item is ancestor for item in _chain(slot))


def plan_layout(root_deps: Mapping[str, str], deps: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """Where each package goes. `root_deps` maps the names the app needs to package keys; `deps`
    maps a package key to the names it needs (name → package key). Returns package key → its
    folders in the bundle (usually one; more when conflicting versions force copies)."""
    root = _Slot(ROOT, ROOT, None)
    placed: dict[str, list[str]] = {}
    # name -> (slot that looked it up, slot whose node_modules answered)
    lookups: dict[str, list[tuple[_Slot, _Slot]]] = {}
    queue: deque[tuple[_Slot, Mapping[str, str]]] = deque([(root, root_deps)])
    while queue:
        slot, needs = queue.popleft()
        for name in sorted(needs):
            wanted = needs[name]
            chain = _chain(slot)
            target = None
            for level in chain:
                existing = level.children.get(name)
                if existing is not None:
                    if existing.package == wanted:
                        lookups.setdefault(name, []).append((slot, level))
                        target = level
                    break
            if target is not None:
                continue
            # the highest level on the chain below any clashing one
            candidates = []
            for level in chain:
                if name in level.children:
                    break
                candidates.append(level)
            for level in reversed(candidates):
                if not any(answered is not level and _is_under(who, level) and _is_under(level, answered)
                           for who, answered in lookups.get(name, ())):
                    break
            else:
                level = slot
            path = f"{level.path}/node_modules/{name}" if level.path else f"node_modules/{name}"
            child = _Slot(path, wanted, level)
            level.children[name] = child
            lookups.setdefault(name, []).append((slot, level))
            placed.setdefault(wanted, []).append(path)
            queue.append((child, deps.get(wanted, {})))
    return placed
