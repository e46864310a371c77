"""The fix step (ArcBlock/blocklet-server blocklet/meta/src/fix.ts): each fix on its own, plus names and
persons helpers."""

from __future__ import annotations

import pytest

from blocklet_cli.core.meta.names import camel_case, name_problem, npm_name_problem
from blocklet_cli.core.meta.normalise import fix_meta
from blocklet_cli.core.meta.persons import fix_person, format_person, parse_person
from blocklet_cli.core.meta.repository import normalise_git_url

BLOCKLET_DID = "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8"


def fix(raw: dict, **kw) -> dict:
    fixed, issues = fix_meta(raw, "/proj", **kw)
    assert issues == []
    return fixed


def test_required_defaults_replace_falsy_values_in_place_or_append() -> None:
    fixed = fix({"description": 0, "name": "x"})
    assert list(fixed) == ["description", "name", "version"]
    assert fixed["description"] == "Blocklet from /proj" and fixed["version"] == "1.0.0"
    assert fix({"description": "  "})["description"] == "  "  # truthy, fails later when trimmed


@pytest.mark.parametrize(("value", "expected"), [
    ("github:o/r", {"type": "git", "url": "git+https://github.com/o/r.git"}),
    ({"type": "svn", "url": "https://github.com/o/r"}, {"type": "svn", "url": "git+https://github.com/o/r.git"}),
    ("", ""),
])
def test_repository(value, expected) -> None:
    assert fix({"repository": value})["repository"] == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("owner/repo", "git+https://github.com/owner/repo.git"),
    ("gitlab:o/r", "git+https://gitlab.com/o/r.git"),
    ("bitbucket:o/r", "git+https://bitbucket.org/o/r.git"),
    ("gist:abc", "git+https://gist.github.com/abc.git"),
    ("https://www.github.com/o/r", "git+https://github.com/o/r.git"),
    ("http://github.com/o/r", "git+ssh://git@github.com/o/r.git"),
    ("git@github.com:o/r.git", "git+ssh://git@github.com/o/r.git"),
    ("git://github.com/o/r.git", "git://github.com/o/r.git"),
    ("https://github.com/o/r#v1.0.0", "git+https://github.com/o/r.git#v1.0.0"),
    ("https://github.com/o/r/tree/main/x", "https://github.com/o/r/tree/main/x"),
    ("github.com/o/r", "github.com/o/r"),
    ("https://example.com/o/r", "https://example.com/o/r"),
])
def test_hosted_git_urls(url: str, expected: str) -> None:
    assert normalise_git_url(url) == expected


def test_files_keywords_tags() -> None:
    fixed = fix({"files": ["a", "", 3, None], "keywords": "a, b,c", "tags": ["x", "", 1]})
    assert fixed["files"] == ["a"]
    assert fixed["keywords"] == ["a", "b,c"]
    assert fixed["tags"] == ["x"]
    assert "files" not in fix({"files": "a"})
    assert "keywords" not in fix({"keywords": {"a": 1}})
    assert fix({"keywords": ""})["keywords"] == []
    assert fix({"tags": None})["tags"] is None  # left, then fails the schema


def test_name_from_blocklet_did() -> None:
    assert fix({"did": BLOCKLET_DID, "name": "ignored"})["name"] == BLOCKLET_DID
    assert fix({"did": BLOCKLET_DID})["name"] == BLOCKLET_DID
    assert "name" not in fix({"did": "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB"})


def test_persons() -> None:
    assert format_person({"name": "Jo", "mail": "j@x.io", "web": "https://j.dev", "other": 1}) == \
        "Jo <j@x.io> (https://j.dev)"
    assert format_person(5) == "" and format_person(None) == ""
    assert parse_person("Jo Doe <j@x.io> (https://j.dev)") == {"name": "Jo Doe", "email": "j@x.io",
                                                               "url": "https://j.dev"}
    assert fix_person({"name": "Jane (JD)"}) == {"name": "Jane", "url": "JD"}
    assert fix_person("") == {}
    fixed = fix({"author": {"url": "https://x.io"}, "contributors": ["", "A <a@b.co>"], "maintainers": "M"})
    assert fixed["author"] == {"url": "https://x.io"}
    assert fixed["contributors"] == [{}, {"name": "A", "email": "a@b.co"}]
    assert fixed["maintainers"] == "M"


def test_services_collect_every_problem() -> None:
    raw = {"interfaces": [{"services": [{"name": "payments"}, {"config": {}},
                                        {"name": "auth", "config": {"whoCanAccess": "me", "x": 1}},
                                        {"name": "auth", "config": {"x": 1, "blockUnauthorized": "true"}}]}]}
    fixed, issues = fix_meta(raw, ".")
    assert issues == [
        ("/interfaces/0/services/0/name", "service payments does not exist"),
        ("/interfaces/0/services/1/name", "service name should not be empty"),
        ("/interfaces/0/services/2/config/whoCanAccess",
         "Invalid blocklet service config: must be one of [owner, invited, all]"),
    ]
    assert fixed["interfaces"][0]["services"][3]["config"] == {"blockUnauthorized": True}


def test_default_store_and_camel_case() -> None:
    fixed = fix({"components": [{"source": {"name": "a"}}, {"source": {"name": "b", "store": "https://s"}},
                                {"source": {"url": "https://u"}}], "spec_version": "1.0.0", "Title": "T"},
                default_store_url="https://store.example")
    assert [c["source"].get("store") for c in fixed["components"]] == ["https://store.example", "https://s", None]
    assert "specVersion" in fixed and fixed["title"] == "T"


@pytest.mark.parametrize(("key", "expected"), [
    ("spec_version", "specVersion"), ("nft-factory", "nftFactory"), ("Title", "title"), ("NAME", "name"),
    ("htmlAst", "htmlAst"), ("logoURL", "logoUrl"), ("x-y-z", "xYZ"), ("__a", "a"), ("e2eDev", "e2EDev"),
])
def test_camel_case_is_lodash(key: str, expected: str) -> None:
    assert camel_case(key) == expected


@pytest.mark.parametrize(("name", "problem"), [
    ("good-name", None), ("-abc", None), ("12345", None), ("my_app.v2", None), ("@scope/pkg", None),
    ("@sc!pe/pkg", None), ("", "name length must be greater than zero"), (".a", "name cannot start with a period"),
    ("_a", "name cannot start with an underscore"), (" a", "name cannot contain leading or trailing spaces"),
    ("node_modules", "node_modules is a blacklisted name"), ("a#b", "name can only contain URL-friendly characters"),
    ("dgram", "dgram is a core module name"), ("Abc", "name can no longer contain capital letters"),
    ("a!", "name can no longer contain special characters (\"~'!()*\")"), ("x" * 33, "Blocklet name is too long"),
    ("x" * 215, "name can no longer contain more than 214 characters"),
    ("ab" * 20, "Blocklet DID's type must be ROLE_BLOCKLET"), (BLOCKLET_DID, None),
])
def test_name_rules(name: str, problem: str | None) -> None:
    assert name_problem(name) == problem


def test_npm_rules_alone() -> None:
    assert npm_name_problem("@scope/") == "name can only contain URL-friendly characters"
