"""The schema's rules (ArcBlock/blocklet-server blocklet/meta/src/schema.ts), one at a time, through
`blocklet_schema.validate`.

Each case is a minimal valid document plus one change; the expected (pointer, message) pairs are the
complete list of problems."""

from __future__ import annotations

import pytest

from blocklet_cli.core.identity.did import to_blocklet_did
from blocklet_cli.core.meta.blocklet_schema import validate

BLK = "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8"


def doc(**extra) -> dict:
    return {"name": "demo", "did": to_blocklet_did("demo"), "version": "1.0.0", "description": "A demo app", **extra}


def problems(data: dict, **options) -> list[tuple[str, str]]:
    return validate(data, **{"strip_unknown": True, **options})[1]


def env(name="A", **kw) -> dict:
    return {"name": name, "description": "d", **kw}


def share(*values) -> dict:
    return {"share": [{"name": f"s{i}", "address": BLK, "value": v} for i, v in enumerate(values)]}


@pytest.mark.parametrize(("extra", "expected"), [
    ({"version": 1}, [("/version", "must be a string")]),
    ({"version": "1.2"}, [("/version", "needs to be a valid semver expression")]),
    ({"description": "  ab  "}, [("/description", "length must be at least 3 characters long")]),
    ({"description": "\ufeff  "}, [("/description", "is not allowed to be empty")]),
    ({"title": "中" * 21},
     [("/title", "title length should not exceed 40 (see: https://www.npmjs.com/package/cjk-length)")]),
    ({"group": "Dapp"}, [("/group", "must be one of [dapp, static, gateway, pack]")]),
    ({"specVersion": "0.1.0"}, [("/specVersion", "needs to be greater than or equal to 1.0.0")]),
    ({"homepage": "www.x.io"}, [("/homepage", "must be a valid uri")]),
    ({"support": 5}, [("/support", "must be one of [string]")]),
    ({"support": "nope"}, [("/support", "does not match any of the allowed types")]),
    ({"nftFactory": "zzz"}, [("/nftFactory", 'did "zzz" is not valid')]),
    ({"environments": [env("A.B")]}, [("/environments/0/name", 'Env name can include only numbers or letters or "_"')]),
    ({"environments": [env("BLOCKLETX")]}, [("/environments/0/name", "Env name can not start with BLOCKLET_")]),
    ({"environments": [env("ABTNODE_X")]}, [("/environments/0/name", "Env name can not start with ABTNODE_")]),
    ({"environments": [env("X" * 51)]},
     [("/environments/0/name", "length must be less than or equal to 50 characters long")]),
    ({"environments": [env(secure=True, default="x")]},
     [("/environments/0/default", "Cannot declare default value for secure env A")]),
    ({"environments": [env(), env(" A ")]}, [("/environments/1/name", "find duplicate environment names A")]),
    ({"interfaces": [{"type": "web", "name": "a"}, {"type": "web", "name": "b"}]},
     [("/interfaces/1/type", "Only one web interface can be declared")]),
    ({"interfaces": [{"type": "wellknown", "name": "a"}]},
     [("/interfaces/0/prefix", "Wellknown path prefix must start with: /.well-known")]),
    ({"interfaces": [{"type": "web", "name": "a", "port": {"internal": "P", "external": 70000}}]},
     [("/interfaces/0/port/external", "must be a valid port")]),
    ({"interfaces": [{"type": "web", "name": "a", "services": [{"name": "auth"}, {"name": "auth"}]}]},
     [("/interfaces/0/services/1", "contains a duplicate value")]),
    ({"interfaces": [{"type": "web", "name": "a", "cacheable": ["/a/", "a"]}]},
     [("/interfaces/0/cacheable/1", "contains a duplicate value")]),
    ({"payment": share(0.7, 0.2, 0.1)},
     [("/payment/share", "Invalid blocklet payment share config: total share must be 1, got 0.9999999999999999")]),
    ({"payment": share(0.5, 0.5, 0.5, 0.25, 0.25)},
     [("/payment/share", "must contain less than or equal to 4 items"),
      ("/payment/share", "Invalid blocklet payment share config: total share must be 1, got 2")]),
    ({"payment": {"price": [{"value": 0, "address": BLK}]}}, [("/payment/price/0/value", "must be greater than 0")]),
    ({"payment": {"componentPrice": [{"type": "fixed", "value": 1, "parentPriceRange": [1]}]}},
     [("/payment/componentPrice/0/parentPriceRange", "length of range should be 2")]),
    ({"payment": {"componentPrice": [{"type": "fixed", "value": 1, "parentPriceRange": [-1, 2]}]}},
     [("/payment/componentPrice/0/parentPriceRange", "the first value should not less than 0 in range")]),
    ({"components": [{"source": {"url": "https://x/b.json"}, "mountPoint": "/a b"}]},
     [("/components/0/mountPoint", "mountPoint cannot contain such characters space $*+~()'\"!:@\\")]),
    ({"components": [{"source": {"store": "https://s", "version": "1.0.0"}}]},
     [("/components/0/source", "does not match any of the allowed types")]),
    ({"components": [{"source": {"url": []}}]}, [("/components/0/source", "does not match any of the allowed types")]),
    ({"navigation": [{"title": "x" * 41}]},
     [("/navigation/0/title", "length must be less than or equal to 40 characters long")]),
    ({"navigation": [{"title": {"xx": "a"}}]}, [("/navigation/0/title/xx", '"xx" is not allowed')]),
    ({"navigation": [{"title": "a", "link": "a//b"}]},
     [("/navigation/0/link", "Invalid navigation link: a//b (a link must be an absolute url or a path that starts "
                             "with /, such as /en/home or https://www.arcblock.io)")]),
    ({"navigation": [{"title": "a", "items": [{"title": "b", "items": []}]}]}, []),
    ({"navigation": [{"id": "a", "title": "a"}, {"id": "a", "title": "b"}]},
     [("/navigation/1/id", "contains a duplicate value: a")]),
    ({"docker": {"command": "rm -rf /"}}, [("/docker/command", "contains an invalid value (Docker CMD is invalid)")]),
    ({"docker": {"volume": [":/x"]}}, [("/docker/volume/0", "Volume must start with key:value")]),
    ({"docker": {"volume": ["$BLOCKLET_DATA_DIR/../x:/x"]}}, [("/docker/volume/0", 'Volume cannot contain ".."')]),
    ({"events": [{"type": "a.b", "description": "x"}, {"type": "a.b", "description": "y"}]},
     [("/events/1", "contains a duplicate value")]),
    ({"videos": ["https://example.com/v"]}, [("/videos/0", "Each video URL must be a valid YouTube or Vimeo link")]),
    ({"scripts": {"pre-stop": "a", "preStop": "b"}},
     [("/scripts/pre-stop", 'cannot rename "pre-stop" because override is disabled and target "preStop" exists')]),
    ({"timeout": {"start": 5}}, [("/timeout/start", "must be greater than or equal to 10")]),
    ({"requirements": {"os": []}}, [("/requirements/os", "must contain at least 1 items")]),
    ({"copyright": {"year": True}}, [("/copyright/year", "must be one of [string, number]")]),
    ({"theme": {"background": {}}}, [("/theme/background", "must have at least 1 key")]),
    ({"resource": {"types": [{"type": "t"}] * 11}},
     [("/resource/types", "must contain less than or equal to 10 items")]),
])
def test_rule(extra: dict, expected: list[tuple[str, str]]) -> None:
    assert problems(doc(**extra)) == expected


def test_every_problem_is_reported_not_only_the_first() -> None:
    found = problems(doc(version=1, group="x", environments=[env("A.B")], egress="maybe", unknownKey=1))
    assert [p for p, _ in found] == ["/version", "/group", "/environments/0/name", "/egress"]


def test_name_and_did() -> None:
    assert problems(doc(name="other")) == [("/did", f'The did of name "other" should be "{to_blocklet_did("other")}"')]
    assert problems({**doc(), "did": BLK, "name": "Whatever!"}) == []
    assert problems(doc(name="a#b")) == [("/name", "name can only contain URL-friendly characters")]
    assert problems({**doc(), "did": "did:abt:" + to_blocklet_did("demo")})[0][0] == "/did"
    assert problems({k: v for k, v in doc().items() if k != "name"}) == [("/name", "is required")]


def test_strict_mode_rejects_unknown_keys_everywhere() -> None:
    data = doc(extra=1, interfaces=[{"type": "web", "name": "a", "legacy": True}], environments=[env(x=1)])
    assert problems(data, strip_unknown=False) == [
        ("/interfaces/0/legacy", '"legacy" is not allowed'), ("/environments/0/x", '"x" is not allowed'),
        ("/extra", '"extra" is not allowed')]
    value, issues = validate(data)
    assert issues == [] and "extra" not in value and "legacy" not in value["interfaces"][0]


def test_conversions_and_defaults() -> None:
    value, issues = validate(doc(
        interfaces=[{"type": "WEB", "name": " a ", "protocol": "HTTP", "port": "p", "cacheable": ["//x//y/"]}],
        environments=[env(secure="TRUE", required="false")], timeout={"start": "60"},
        navigation=[{"title": "t", "section": "header", "role": "admin", "child": "c"}],
        lastPublishedAt="2024-01-02T03:04:05+01:00", children=[{"source": {"name": "x", "store": "https://s"}}],
        scripts={"pre-start": "a", "dev": " b "}))
    assert issues == []
    assert value["interfaces"][0] == {"type": "web", "name": "a", "protocol": "http", "port": "P",
                                      "cacheable": ["/x/y"], "path": "/", "prefix": "*", "proxyBehavior": "service"}
    assert value["environments"][0] == {"name": "A", "description": "d", "secure": True, "required": False,
                                        "default": "", "shared": False}
    assert value["timeout"] == {"start": 60}
    assert value["navigation"][0] == {"title": "t", "section": ["header"], "role": ["admin"], "component": "c"}
    assert value["lastPublishedAt"] == "2024-01-02T02:04:05.000Z"
    assert value["components"] == [{"source": {"name": "x", "store": "https://s", "version": "latest"}}]
    assert list(value["scripts"]) == ["dev", "preStart"] and value["scripts"]["dev"] == "b"


def test_component_store_check_only_when_asked() -> None:
    data = doc(components=[{"name": "c", "source": {"name": "c"}}])
    assert problems(data) == []
    assert problems(data, ensure_component_store=True) == [
        ("/components/0/source", "missing 'store' in source of component c")]


def test_file_checks(tmp_path) -> None:
    (tmp_path / "logo.png").write_text("x")
    data = doc(logo="logo.png", files=["*.md", "blocklet.js", "missing.txt", "logo.png"])
    assert problems(data, ensure_files=True, base_dir=str(tmp_path)) == [
        ("/files/2", 'file "missing.txt" does not exist')]
    assert problems(doc(logo="https://x/l.png"), ensure_files=True, base_dir=str(tmp_path)) == [
        ("/logo", 'file "https://x/l.png" does not exist')]


def test_validate_meta_options() -> None:
    assert problems(doc(), ensure_dist=True) == [("/dist", "is required")]
    nameless = {k: v for k, v in doc().items() if k != "name"}
    assert problems(nameless, ensure_name=True) == [("/did", "Blocklet DID's type must be ROLE_BLOCKLET")]
    assert problems({**nameless, "did": BLK}, ensure_name=True) == []


@pytest.mark.parametrize(("name", "options", "expected"), [
    (" My Blocklet! ", {}, "My-Blocklet-"),
    ("a//b..c--d", {}, "a/b.c-d"),
    ("/a/b/", {"keep_slash": False}, "a/b"),
    ("/a/b/", {}, "/a/b/"),
    ("Crème\tbrûlée", {}, "Crmebrle"),
    ("@scope/pkg", {"one_segment": True}, "scope-pkg"),
    ("-x-", {"one_segment": True}, "x"),
])
def test_url_path_friendly(name: str, options: dict, expected: str) -> None:
    from blocklet_cli.core.meta.names import url_path_friendly

    assert url_path_friendly(name, **options) == expected


@pytest.mark.parametrize(("text", "strict", "loose"), [
    ("*.js", True, True), ("a/!b", False, True), ("!a", True, True), ("a(b)", False, False),
    ("plain/file.txt", False, False), ("x{a,b}", True, True),
])
def test_is_glob_strict_and_any_char(text: str, strict: bool, loose: bool) -> None:
    from blocklet_cli.core.meta.checks import is_glob

    assert (is_glob(text), is_glob(text, any_glob_char=True)) == (strict, loose)
