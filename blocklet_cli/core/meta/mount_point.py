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
    """(JSON pointer, message) for every mount point of a `components` list with a dot segment (the schema
    reports the other problems; two spellings of one mount point, which the reference's parser accepts, are
    refused by the component tree check, `check_siblings`, in `add`, `dev`, `bundle` and `deploy`)."""
    issues: list[tuple[str, str]] = []
    for index, entry in enumerate(components if isinstance(components, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("mountPoint"), str):
            continue
        value = entry["mountPoint"]
        if any(segment in (".", "..") for segment in value.strip().split("/")):
            issues.append((f"{prefix}/{index}/mountPoint", f"mountPoint {value!r} cannot contain . or .. segments"))
    return issues
