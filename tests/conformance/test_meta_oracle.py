"""Our metadata verdicts and normalised output against the real @blocklet/meta 1.17.12 (meta-oracle.js),
on the metadata cases of tests/fixtures/meta and on our own cases (tests/conformance/cases): the `blocklet meta` path
(verdict and normalised output), the `blocklet bundle` path and the validateMeta path (verdicts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from blocklet_cli.core.errors import FileFormatError
from blocklet_cli.core.meta import checks, load_meta, validate_meta_dict, validate_path
from blocklet_cli.core.meta.dsl import Ctx, Num
from tests.conftest import ORACLE_SCRIPTS, node_eval

OWN_CASES = Path(__file__).parent / "cases"

# Cases where we deliberately differ from the reference: {(case file, path): reason}. Empty: none yet.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}



def _run(cases_dir: Path, modules: Path, out: Path) -> dict:
    """Run tests/oracles/meta-oracle.js on a folder of cases; its results."""
    tool = ORACLE_SCRIPTS / "meta-oracle.js"
    done = subprocess.run(["node", str(tool), str(cases_dir), "--node-modules", str(modules), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def make_project(root: Path, text: str, fixtures: str | None) -> Path:
    root.mkdir(parents=True)
    (root / "blocklet.yml").write_text(text, encoding="utf-8")
    for entry in (fixtures or "").split():
        target = root / entry
        if entry.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"fixture file {entry}\n")
    return root


def compare(cases_dir: Path, expected: dict, tmp_path: Path) -> list[str]:
    problems = []
    for file, result in sorted(expected.items()):
        text = (cases_dir / file).read_text(encoding="utf-8")
        for mode, valid, error, normalized in (
                ("meta", result["valid"], result["error"], result["normalized"]),
                ("bundle", result["modes"]["bundle"]["valid"], result["modes"]["bundle"]["error"], None)):
            if (file, mode) in KNOWN_DIFFERENCES:
                continue
            project = make_project(tmp_path / f"{file}-{mode}", text, result["intent"]["fixtures"])
            report = validate_path(project, mode=mode, description_dir=".")
            if report.valid != valid:
                ours = [f"{i.pointer}: {i.message}" for i in report.issues]
                problems.append(f"{file} [{mode}]: reference valid={valid} ({error!r}), "
                                f"ours valid={report.valid} {ours}")
            elif normalized is not None and report.meta != normalized:
                problems.append(f"{file} [{mode}]: normalised output differs:\n ours {json.dumps(report.meta)}\n"
                                f" ref  {json.dumps(normalized)}")
        problems.extend(compare_validate_meta(cases_dir / file, result["modes"]["validateMeta"]))
    return problems


def compare_validate_meta(file: Path, reference: dict) -> list[str]:
    """validateMeta(raw YAML object): no fix step, unknown keys stripped, store check on."""
    try:
        data = load_meta(file).data
    except FileFormatError:
        data = None
    issues = validate_meta_dict(data, fix_services=False)
    if (not issues) != reference["valid"]:
        return [f"{file.name} [validateMeta]: reference {reference}, ours {[(i.pointer, i.message) for i in issues]}"]
    return []


def test_fixture_cases_agree_with_the_reference(oracle_modules: Path, fixtures_dir: Path, tmp_path: Path) -> None:
    cases = fixtures_dir / "meta"
    expected = _run(cases, oracle_modules, tmp_path / "fixture-cases.json")
    assert len(expected) >= 65
    # the recorded verdicts (tests/fixtures/meta/expected.json) are what the real library says today
    assert expected == json.loads((cases / "expected.json").read_text(encoding="utf-8"))
    assert compare(cases, expected, tmp_path / "projects") == []


def test_own_cases_agree_with_the_reference(oracle_modules: Path, tmp_path: Path) -> None:
    expected = _run(OWN_CASES, oracle_modules, tmp_path / "own.json")
    assert len(expected) >= 40
    # the cases exercise both outcomes on both paths
    assert {r["valid"] for r in expected.values()} == {True, False}
    assert {r["modes"]["bundle"]["valid"] for r in expected.values()} == {True, False}
    assert compare(OWN_CASES, expected, tmp_path / "projects") == []


@pytest.mark.parametrize("case", sorted(p.name for p in OWN_CASES.glob("*.yml")))
def test_own_case_header_is_complete(case: str) -> None:
    text = (OWN_CASES / case).read_text(encoding="utf-8").removeprefix("\ufeff")
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert head[0] == f"# case: {case[:-4]}"
    assert head[1] in ("# expect: valid", "# expect: invalid")
    assert head[2].startswith("# rule: ")


CHECK_PROBE = r"""
const Joi = require('joi'); const semver = require('semver'); const isVar = require('is-var-name');
const isGlob = require('is-glob'); const cjk = require('cjk-length').default;
const T = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const ok = (s, v) => !s.validate(v).error;
const value = (s, v) => { const r = s.validate(v); return r.error ? null : r.value; };
console.log(JSON.stringify({
  uri: T.uri.map((v) => ok(Joi.string().uri(), v)),
  email: T.email.map((v) => ok(Joi.string().email({ tlds: false }), v)),
  iso: T.iso.map((v) => value(Joi.string().isoDate(), v)),
  ip: T.ip.map((v) => ok(Joi.string().ip({ version: ['ipv4', 'ipv6'] }), v)),
  range: T.range.map((v) => semver.validRange(v) !== null),
  semver: T.semver.map((v) => semver.valid(v) !== null),
  varname: T.varname.map((v) => isVar(v)),
  glob: T.glob.map((v) => isGlob(v)),
  number: T.number.map((v) => value(Joi.number(), v)),
  cjk: T.cjk.map((v) => cjk(v)),
}));
"""

CHECK_INPUTS = {
    "uri": ["https://x", "www.x.io", "//x.io", "http://", "http://a b", "mailto:a@b.c", "urn:isbn:123",
            "https://x.io/a?b=c#d", "https://[::1]:80/", "ftp://u:p@h/p", "a:", "file:///etc/passwd",
            "https://x.io/%zz", "https://é.com", "h:/x", "https://x.io/a|b", "git+ssh://git@github.com/o/r.git"],
    "email": ["a@b.c", "a@localhost", "a.b@c.d.e", "a..b@c.d", ".a@b.c", "a@b_c.d", "a@-b.c", "a+b@c.io",
              "a@b.c1", "a@1.2"],
    "iso": ["2024-01-01", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", "20240101", "2024-13-01",
            "yesterday", "2024-01-01T10:00:00.123456Z", "2024-W05", "2024-02-30", "2024-01-01T24:00:00Z"],
    "ip": ["10.0.0.1", "10.0.0.0/8", "::1", "fe80::/10", "256.1.1.1", "1.2.3", "10.0.0.0/33", "::ffff:1.2.3.4"],
    "range": ["*", "x", "v1", ">= 1.2", "1 - 2 || >=3", "latest", "^1.2.3-beta.1", "~1", "1.2.3 - 2",
              ">=1.0.0 <2", "=1.0.0", "1.2.3.4", "  ^1 ", "1.x.x", "<=v2", "~> 1.2", "a || b", "^1.2.3+build"],
    "semver": ["1.0.0", "v1.2.3", "=1.2.3", " 1.2.3", "1.2", "01.2.3", "1.2.3-alpha.01", "1.2.3-alpha.1+b.2",
               "1.2.3-0a"],
    "varname": ["foo", "a,b", "b = 1", "class", "yield", "let", "await", "eval", "1a", "$x", "_", "a b",
                "ünïcode", "a-b", "x=", "a, b", "if", "foo()", "arguments", "a=b=c"],
    "glob": ["*.js", "dist/**", "a/b.js", "a[0].js", "{a,b}", "a?.js", "!(a)", "@(a)", "a{b}", "+(x)",
             "file.(js)", "[abc]", "a{1..3}", "!x", "a\\*b"],
    "number": ["60", " 60 ", "1e3", "0x10", "", "1.", ".5", "+5", "12abc", "Infinity", "1_000", 7, 2.5],
    "cjk": ["abc", "中文", "한국어", "😀", "ｱ", "〜x"],
}


def test_value_checks_agree_with_the_reference_libraries(oracle_modules: Path) -> None:
    def number(value):
        ctx = Ctx()
        result = Num().check(value, ctx, "")
        return None if ctx.issues else result

    done = node_eval(CHECK_PROBE, oracle_modules, input=json.dumps(CHECK_INPUTS))
    assert done.returncode == 0, done.stderr
    reference = json.loads(done.stdout)
    ours = {
        "uri": [checks.is_uri(v) for v in CHECK_INPUTS["uri"]],
        "email": [checks.is_email(v) for v in CHECK_INPUTS["email"]],
        "iso": [checks.iso_date(v) for v in CHECK_INPUTS["iso"]],
        "ip": [checks.is_ip(v) for v in CHECK_INPUTS["ip"]],
        "range": [checks.is_semver_range(v) for v in CHECK_INPUTS["range"]],
        "semver": [checks.is_semver(v) for v in CHECK_INPUTS["semver"]],
        "varname": [checks.is_var_name(v) for v in CHECK_INPUTS["varname"]],
        "glob": [checks.is_glob(v) for v in CHECK_INPUTS["glob"]],
        "number": [number(v) for v in CHECK_INPUTS["number"]],
        "cjk": [checks.cjk_length(v) for v in CHECK_INPUTS["cjk"]],
    }
    for kind, values in CHECK_INPUTS.items():
        differences = [(v, o, r) for v, o, r in zip(values, ours[kind], reference[kind], strict=True) if o != r]
        assert differences == [], kind
