"""Mount points: the one check and normal form used by `validate`, `add`, `dev`, `deploy` and the
component resolver (nested component metadata too).

The reference's `mountPointSchema` (ArcBlock/blocklet-server blocklet/meta/src/schema.ts) allows letters,
digits and `/ . _ -` without `//`. We also refuse dot segments (`..`, `.`: `/comp/../../../etc`), which a
router would resolve to another place, so that each mount point has exactly one spelling: the normal form
is `/` + its segments joined by `/` (`b`, `/b` and `/b/` are all `/b`).
"""

from __future__ import annotations

import re
from typing import Any

_CHARS = re.compile(r"^[A-Za-z0-9/._-]+$")


def mount_point_problem(value: Any) -> str | None:
    """Why `value` is not a usable mount point, or None."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    text = value.strip()
    if not _CHARS.match(text):
        return "may only contain letters, digits and / . _ -"
    if "//" in text:
        return "cannot contain //"
    if any(segment in (".", "..") for segment in text.split("/")):
        return "cannot contain . or .. segments"
    return None


def normalize_mount_point(value: str) -> str:
    """The normal form of a valid mount point (ValueError with the problem otherwise)."""
    problem = mount_point_problem(value)
    if problem:
        raise ValueError(problem)
    return "/" + "/".join(segment for segment in value.strip().split("/") if segment)


def mount_point_issues(components: Any, prefix: str = "/components") -> list[tuple[str, str]]:
    """(JSON pointer, message) for every bad or duplicate mount point of a `components` list."""
    issues: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(components if isinstance(components, list) else []):
        if not isinstance(entry, dict) or "mountPoint" not in entry:
            continue
        pointer = f"{prefix}/{index}/mountPoint"
        value = entry["mountPoint"]
        problem = mount_point_problem(value)
        if problem:
            if isinstance(value, str) and value.strip() and ". or .." in problem:
                issues.append((pointer, f"mountPoint {value!r} {problem}"))
            continue  # the schema reports the other problems
        normal = normalize_mount_point(value)
        if normal in seen:
            issues.append((pointer, f"mountPoint {value!r} is the same as {prefix}/{seen[normal]}/mountPoint "
                                    f"({normal})"))
        else:
            seen[normal] = index
    return issues
