"""The published JSON Schema of blocklet.yml (`schemas/blocklet.schema.json`, found through
`blocklet_cli.resources.schema_path()`), used by editors and by `blocklet validate --json-schema`.

The file is generated from `blocklet_schema` (`python -m blocklet_cli.core.meta.blocklet_schema`), so
it accepts everything the validator accepts in strict mode; the rules it cannot express are checked in
code only. Reference: meta-schema.md §8.
"""

from __future__ import annotations

import functools
import json
from typing import Any


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema

    from blocklet_cli.resources import schema_path

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def json_schema_issues(fixed: Any) -> list[tuple[str, str]]:
    """Problems the published schema finds in a fixed (camelCase) document, as (pointer, message)."""
    issues = []
    for error in sorted(_validator().iter_errors(fixed), key=lambda e: list(map(str, e.absolute_path))):
        pointer = "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)
        issues.append((pointer, f"does not match the JSON Schema: {_short(error)}"))
    return issues


def _short(error) -> str:
    message = error.message
    if error.validator == "anyOf":
        return "matches none of the allowed forms"
    return message if len(message) <= 160 else message[:157] + "..."
