"""The one JSON loader for untrusted input: store answers, `package.json`, a release's `blocklet.json`.

Like `json.loads`, but nesting deeper than `MAX_DEPTH` (arrays/objects inside each other) is a
`TooDeepError`, a `json.JSONDecodeError` (so a `ValueError`): every caller's "not valid JSON"
handling covers it, instead of a `RecursionError` from the parser or from code walking the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 128


class TooDeepError(json.JSONDecodeError):
    """The document nests arrays/objects deeper than `MAX_DEPTH`."""


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text; `TooDeepError` when it nests deeper than `max_depth`."""
    text = data.decode("utf-8-sig") if isinstance(data, (bytes, bytearray)) else data
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeepError(f"nested deeper than {max_depth} levels", text, _deep_position(text, max_depth)) from None
    if _depth_exceeds(value, max_depth):
        raise TooDeepError(f"nested deeper than {max_depth} levels", text, _deep_position(text, max_depth))
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a parsed value nests containers deeper than `limit` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _deep_position(text: str, limit: int) -> int:
    """Offset of the first bracket opening level `limit + 1` (strings skipped), for the error's line:col."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return index
        elif char in "]}":
            depth -= 1
    return 0
