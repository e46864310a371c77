"""Property tests: random documents never make the loader/validator fail unexpectedly, and whatever the
validator accepts in strict mode, the published JSON Schema accepts too."""

from __future__ import annotations

import string
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.meta import normalise
from blocklet_cli.core.meta.api import MetaDocument, validate_document
from blocklet_cli.core.meta.blocklet_schema import top_level_keys
from blocklet_cli.core.meta.blocklet_schema import validate as schema_validate
from blocklet_cli.core.meta.schema_file import json_schema_issues
from blocklet_cli.core.meta.yaml12 import load_yaml

KEYS = [*top_level_keys(), "type", "name", "description", "url", "source", "store", "mountPoint", "title",
        "link", "id", "items", "services", "config", "port", "internal", "external", "value", "address",
        "share", "price", "secure", "default", "children", "pre-start", "child", "spec_version"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 70000), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "web", "auth", "1.0.0", "https://x.io", "a@b.co", "*", "/a", "BLOCKLET_X", "true",
                     "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8", "0.5", "latest", "static", "\ufeff", "中文"]),
    st.text(max_size=12),
)
DATA = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(KEYS) | st.text(string.ascii_letters, max_size=6), children, max_size=5)),
    max_leaves=25)
BASE = {"name": "demo", "did": to_blocklet_did("demo"), "version": "1.0.0", "description": "A demo app"}
MODES = ("meta", "bundle", "dev", "release")


def check_everything(text: str, folder: Path) -> None:
    try:
        data, positions = load_yaml(text, "blocklet.yml")
    except Exception as exc:  # only our own error class may come out of the loader
        assert type(exc).__name__ == "FileFormatError", exc
        return
    document = MetaDocument(folder / "blocklet.yml", text, data, positions)
    for mode in MODES:
        report = validate_document(document, mode=mode)
        assert report.valid == (not report.issues)
        for issue in report.issues:
            assert issue.message and (issue.pointer == "" or issue.pointer.startswith("/"))
    if isinstance(data, dict):
        fixed, fix_issues = normalise.fix_meta(data, ".")
        _, issues = schema_validate(fixed, strip_unknown=False)
        if not fix_issues and not issues:
            assert json_schema_issues(fixed) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from([*":-[]{}&*!|>'\"%@` #,?\n\t abc019.~", "\u3000", "é"]),
                    max_size=80))
def test_random_yaml_texts(text: str, tmp_path: Path) -> None:
    check_everything(text, tmp_path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=DATA)
def test_random_documents(data, tmp_path: Path) -> None:
    check_everything(yaml.safe_dump(data, allow_unicode=True), tmp_path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(st.sampled_from(list(top_level_keys())), DATA, max_size=4))
def test_random_changes_to_a_valid_document(extra: dict, tmp_path: Path) -> None:
    check_everything(yaml.safe_dump({**BASE, **extra}, allow_unicode=True), tmp_path)
