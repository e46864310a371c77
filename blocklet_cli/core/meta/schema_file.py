"""The published JSON Schema of blocklet.yml (`schemas/blocklet.schema.json`, found through
`blocklet_cli.resources.schema_path()`): used by editors, and by every validation run.

The file is generated from `blocklet_schema` (`python -m blocklet_cli.core.meta.blocklet_schema`), so
it accepts everything the validator accepts in strict mode; the rules it cannot express are checked in
code only (the fix step, conversions, uniqueness by key, name ⇄ DID, file existence …).

It is applied with `jsonschema-rs` (a compiled JSON Schema 2020-12 validator: about 30 ms to import
and compile, where the pure-Python `jsonschema` needs about 110 ms — the difference between meeting
and missing the 0.2 s target of `blocklet validate`); `jsonschema` is the fallback where no
`jsonschema-rs` wheel exists.
"""

from __future__ import annotations

import functools
import json
from typing import Any


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    from blocklet_cli.resources import schema_path

    return json.loads(schema_path().read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _python_validator():
    import jsonschema

    return jsonschema.Draft202012Validator(_schema())


@functools.lru_cache(maxsize=1)
def _validator():
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - platforms without a jsonschema-rs wheel
        return _python_validator()
    return jsonschema_rs.Draft202012Validator(_schema())


def _errors(fixed: Any) -> list:
    try:
        return list(_validator().iter_errors(fixed))
    except (ValueError, TypeError):
        # Values JSON has no type for (a YAML timestamp or binary): jsonschema-rs refuses them,
        # the pure-Python validator treats them as matching no JSON type, as the rules do.
        return list(_python_validator().iter_errors(fixed))


def _pointer(parts) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _kind(error) -> str:
    kind = getattr(error, "kind", None)
    return type(kind).__name__ if kind is not None else str(getattr(error, "validator", ""))


def json_schema_issues(fixed: Any, *, strip_unknown: bool = False) -> list[tuple[str, str]]:
    """Problems the published schema finds in a fixed (camelCase) document, as (pointer, message).

    With `strip_unknown` (the `meta`/`release` paths, where the reference drops unknown keys) an
    unknown key is not a problem."""
    issues = []
    for error in _errors(fixed):
        path = list(getattr(error, "instance_path", None) or getattr(error, "absolute_path", []))
        kind = _kind(error)
        if strip_unknown and kind in ("AdditionalProperties", "additionalProperties"):
            continue
        issues.append((_pointer(path), f"does not match the JSON Schema: {_short(error, kind)}"))
    issues.sort(key=lambda item: item[0])
    return issues


def _short(error, kind: str) -> str:
    if kind in ("AnyOf", "anyOf", "OneOfNotValid", "oneOf"):
        return "matches none of the allowed forms"
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."
