"""The published JSON Schema of blocklet.yml (`schemas/blocklet.schema.json`, found through
`blocklet_cli.resources.schema_path()`): used by editors, and by every validation run.

The file is generated from `blocklet_schema` (`python -m blocklet_cli.core.meta.blocklet_schema`), so
it accepts everything the validator accepts in strict mode; the rules it cannot express are checked in
code only (the fix step, conversions, uniqueness by key, name ⇄ DID, file existence …).

It is applied with `jsonschema-rs` only (a compiled JSON Schema 2020-12 validator: about 30 ms to
import and compile, where the pure-Python `jsonschema` needs about 110 ms — the difference between
meeting and missing the 0.2 s target of `blocklet validate`). It is a required dependency with wheels
for every supported platform, so there is no run-time fallback; the tests check that the pure-Python
`jsonschema` (a test dependency) gives the same verdicts.

Values JSON has no type for (a YAML timestamp or binary) match no JSON type: jsonschema-rs refuses
them, so each is replaced by one value of every JSON type in turn, and a node is wrong when any of
them is refused there (the node's schema constrains the type).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema_rs

InstancePath = tuple[str | int, ...]  # an instance path: keys and indexes


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from blocklet_cli.resources import schema_path

    schema: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return schema


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema_rs.Draft202012Validator:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(_schema())


_JSON_TYPES = (dict, list, str, int, float, bool, type(None))
_STAND_INS: tuple[Any, ...] = ("", 0, [], {}, True, None)  # one value of each JSON type


def _scan(value: Any, path: InstancePath, odd: list[InstancePath]) -> bool:
    """Collect in `odd` the paths of the values JSON has no type for; True when some key is not a string."""
    if isinstance(value, dict):
        keys = not all(isinstance(key, str) for key in value)
        return any([_scan(item, (*path, str(key)), odd) for key, item in value.items()]) or keys
    if isinstance(value, list):
        return any([_scan(item, (*path, index), odd) for index, item in enumerate(value)])
    if not isinstance(value, _JSON_TYPES):
        odd.append(path)
    return False


def _replaced(value: Any, paths: set[InstancePath], stand_in: Any, path: InstancePath = ()) -> Any:
    """`value` with JSON's string keys and `stand_in` at `paths`."""
    if path in paths:
        return stand_in
    if isinstance(value, dict):
        return {str(key): _replaced(item, paths, stand_in, (*path, str(key))) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, paths, stand_in, (*path, index)) for index, item in enumerate(value)]
    return value


def _errors(fixed: Any) -> list[tuple[InstancePath, str, str]]:
    """(instance path, error kind, short message) of every schema error."""
    odd: list[InstancePath] = []
    if not _scan(fixed, (), odd) and not odd:
        return [_described(error) for error in _validator().iter_errors(fixed)]
    found: dict[tuple[InstancePath, str], tuple[InstancePath, str, str]] = {}
    for stand_in in _STAND_INS if odd else _STAND_INS[:1]:
        for error in _validator().iter_errors(_replaced(fixed, set(odd), stand_in)):
            path, kind, message = _described(error)
            bad = next((p for p in odd if path[:len(p)] == p), None)
            if bad is not None:
                path, kind, message = bad, "Type", "a value JSON has no type for (a YAML timestamp or binary)"
            found.setdefault((path, kind), (path, kind, message))
    return list(found.values())


def _described(error: Any) -> tuple[InstancePath, str, str]:
    kind = _kind(error)
    return tuple(error.instance_path), kind, _short(error, kind)


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _kind(error: Any) -> str:
    return type(error.kind).__name__


def json_schema_issues(fixed: Any, *, strip_unknown: bool = False) -> list[tuple[str, str]]:
    """Problems the published schema finds in a fixed (camelCase) document, as (pointer, message).

    With `strip_unknown` (the `meta`/`release` paths, where the reference drops unknown keys) an
    unknown key is not a problem."""
    issues = []
    for path, kind, message in _errors(fixed):
        if strip_unknown and kind == "AdditionalProperties":
            continue
        issues.append((_pointer(path), f"does not match the JSON Schema: {message}"))
    issues.sort(key=lambda item: item[0])
    return issues


def _short(error: Any, kind: str) -> str:
    if kind in ("AnyOf", "OneOfNotValid"):
        return "matches none of the allowed forms"
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."
