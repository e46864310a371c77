"""schemas/blocklet.schema.json: generated from the validator, complete for editors, never stricter
than the validator."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import pytest

from blocklet_cli.core.meta import normalise
from blocklet_cli.core.meta.api import load_meta
from blocklet_cli.core.meta.blocklet_schema import schema_document
from blocklet_cli.core.meta.blocklet_schema import validate as schema_validate
from blocklet_cli.core.meta.schema_file import json_schema_issues
from blocklet_cli.resources import schema_path

CASES = Path(__file__).resolve().parent.parent / "conformance" / "cases"


def walk_properties(schema, path="#"):
    if isinstance(schema, dict):
        for name, sub in (schema.get("properties") or {}).items():
            yield f"{path}/{name}", sub
        for key, sub in schema.items():
            yield from walk_properties(sub, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, sub in enumerate(schema):
            yield from walk_properties(sub, f"{path}/{index}")


def test_the_file_is_the_generated_schema() -> None:
    assert json.loads(schema_path().read_text(encoding="utf-8")) == schema_document(), \
        "regenerate: python -m blocklet_cli.core.meta.blocklet_schema > schemas/blocklet.schema.json"


def test_it_is_a_valid_2020_12_schema_with_documented_properties() -> None:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    properties = list(walk_properties(schema))
    assert len(properties) > 200
    undocumented = [p for p, sub in properties if not (sub.get("title") and sub.get("description"))]
    assert undocumented == []


def fixture_files(fixtures_dir: Path) -> list[Path]:
    return sorted((fixtures_dir / "meta").glob("*.yml")) + sorted(CASES.glob("*.yml"))


def test_it_accepts_every_document_the_strict_validator_accepts(fixtures_dir: Path) -> None:
    checked = 0
    for file in fixture_files(fixtures_dir):
        data = load_meta(file).data
        if not isinstance(data, dict):
            continue
        fixed, fix_issues = normalise.fix_meta(data, ".")
        _, issues = schema_validate(fixed, strip_unknown=False)
        if not fix_issues and not issues:
            assert json_schema_issues(fixed) == [], file.name
            checked += 1
    assert checked > 40


@pytest.mark.parametrize(("document", "pointer"), [
    ({"did": 5}, "/did"), ({"did": "x", "version": "1.2"}, "/version"),
    ({"did": "x", "group": "webapp"}, "/group"), ({"did": "x", "releaseChannel": 1},
                                                                        ""),
    ({"did": "x", "environments": [{"name": "BLOCKLET_X", "description": "d"}]}, "/environments/0/name"),
])
def test_it_catches_what_editors_should_flag(document: dict, pointer: str) -> None:
    assert pointer in [p for p, _ in json_schema_issues(document)]


@pytest.mark.parametrize("extra", [
    {"environments": [{"name": " TOKEN\u3000", "description": "d"}]},
    {"events": [{"type": " post.published ", "description": "d"}]},
    {"docker": {"image": " node:20 "}},
    {"nftFactory": "ab" * 20},
    {"interfaces": [{"type": "WEB", "name": "w", "protocol": "HTTP", "port": {"internal": "p", "external": "80"}}]},
    {"timeout": {"start": " 60 ", "script": "1e3"}},
    {"capabilities": {"navigation": "FALSE"}},
    {"author": "Jo <jo@x.io>", "keywords": "a, b", "repository": "github:o/r"},
])
def test_converted_and_trimmed_values_pass_the_schema(extra: dict) -> None:
    from blocklet_cli.core.identity.did import to_blocklet_did

    document = {"name": "demo", "did": to_blocklet_did("demo"), "version": "1.0.0", "description": "A demo", **extra}
    fixed, fix_issues = normalise.fix_meta(document, ".")
    assert fix_issues == [] and schema_validate(fixed, strip_unknown=False)[1] == []
    assert json_schema_issues(fixed) == []


def without_non_finite(value):
    """NaN and the infinities (YAML `.nan`, `.inf`; JSON text cannot hold them) as jsonschema-rs reads
    them: null. The pure-Python engine would take them for numbers; the stricter verdict is kept."""
    if isinstance(value, dict):
        return {key: without_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_non_finite(item) for item in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def python_verdicts(document) -> set[str]:
    """The pointers the pure-Python `jsonschema` (a test dependency only) finds wrong."""
    from blocklet_cli.core.meta.schema_file import _pointer

    validator = jsonschema.Draft202012Validator(json.loads(schema_path().read_text(encoding="utf-8")))
    return {_pointer(error.absolute_path) for error in validator.iter_errors(without_non_finite(document))}


def test_the_two_json_schema_engines_agree(fixtures_dir: Path) -> None:
    """jsonschema-rs is the only engine at run time; the pure-Python one must give the same verdicts."""
    import datetime

    documents = []
    for file in fixture_files(fixtures_dir):
        data = load_meta(file).data
        if isinstance(data, dict):
            documents.append(normalise.fix_meta(data, ".")[0])
    documents += [
        {"did": "x", "version": datetime.date(2020, 1, 2)},  # YAML timestamps and binaries match no JSON type
        {"did": "x", "description": b"\x00", "title": 5},
        {"did": "x", "keywords": ["a", datetime.datetime(2020, 1, 2, 3, 4)], "custom": datetime.date(2020, 1, 2)},
        {"did": "x", "environments": [{"name": "A", "description": "d", "default": datetime.date(2020, 1, 2)}]},
    ]
    disagreements = [(doc.get("name") or doc.get("did"), sorted(python_verdicts(doc)),
                      sorted(p for p, _ in json_schema_issues(doc)))
                     for doc in documents if python_verdicts(doc) != {p for p, _ in json_schema_issues(doc)}]
    assert len(documents) > 40
    assert disagreements == []
