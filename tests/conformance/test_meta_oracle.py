"""Our metadata verdicts and normalised output against the real @blocklet/meta 1.17.12 (meta-oracle.js),
on the shared metadata cases and on our own cases (tests/conformance/cases)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from blocklet_cli.core.meta import validate_path

OWN_CASES = Path(__file__).parent / "cases"

# Cases where we deliberately differ from the reference: {(case file, path): reason}. Empty: none yet.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}



def _run(tool: Path | None, cases_dir: Path, modules: Path, out: Path) -> dict:
    assert tool is not None and tool.is_file(), f"meta-oracle.js not found for {cases_dir}"
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
    return problems


def test_shared_cases_agree_with_the_reference(oracle_modules: Path, fixtures_dir: Path, shared_dir: Path,
                                               tmp_path: Path) -> None:
    cases = fixtures_dir / "meta"
    expected = _run(shared_dir / "tools" / "meta-oracle.js", cases, oracle_modules, tmp_path / "shared.json")
    assert len(expected) >= 65
    assert compare(cases, expected, tmp_path / "projects") == []


def test_own_cases_agree_with_the_reference(oracle_modules: Path, shared_dir: Path, tmp_path: Path) -> None:
    expected = _run(shared_dir / "tools" / "meta-oracle.js", OWN_CASES, oracle_modules, tmp_path / "own.json")
    assert len(expected) >= 40
    # the cases exercise both outcomes on both paths
    assert {r["valid"] for r in expected.values()} == {True, False}
    assert {r["modes"]["bundle"]["valid"] for r in expected.values()} == {True, False}
    assert compare(OWN_CASES, expected, tmp_path / "projects") == []


@pytest.mark.parametrize("case", sorted(p.name for p in OWN_CASES.glob("*.yml")))
def test_own_case_header_is_complete(case: str) -> None:
    head = [line for line in (OWN_CASES / case).read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert head[0] == f"# case: {case[:-4]}"
    assert head[1] in ("# expect: valid", "# expect: invalid")
    assert head[2].startswith("# rule: ")
