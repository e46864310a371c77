"""`blocklet validate` through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

from blocklet_cli.core.identity.did import to_blocklet_did

GOOD = "name: good-one\ndid: {did}\nversion: 1.0.0\ndescription: A good blocklet\n"


def good_yaml(name: str = "good-one") -> str:
    return GOOD.replace("good-one", name).format(did=to_blocklet_did(name))


def test_valid_project_exits_zero(cli, project_copy) -> None:
    project = project_copy("static-site")
    done = cli("validate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "1 file(s) valid" in done.stderr


def test_broken_meta_reports_every_problem_with_positions(cli, project_copy) -> None:
    project = project_copy("broken-meta")
    done = cli("validate", "--strict", "--json", cwd=project)
    assert done.returncode == 3
    result = json.loads(done.stdout)["results"][0]
    assert result["valid"] is False
    pointers = [e["pointer"] for e in result["errors"]]
    # the eleven problems of EXPECTED.md, in file order
    assert pointers == ["/did", "/version", "/description", "/group", "/logo", "/scripts/pre-start",
                        "/environments/0/name", "/interfaces/1/type", "/components/0/mountPoint",
                        "/payment/share", "/releaseChannel"]
    lines_seen = [(e["line"], e["column"]) for e in result["errors"]]
    assert lines_seen == sorted(lines_seen)
    assert all(isinstance(e["line"], int) and isinstance(e["column"], int) for e in result["errors"])
    lines = (project / "blocklet.yml").read_text().splitlines()
    for error in result["errors"]:
        assert lines[error["line"] - 1].strip(), error  # each position points at a real line of the file
    version = next(e for e in result["errors"] if e["pointer"] == "/version")
    assert lines[version["line"] - 1].startswith("version:")
    assert set(result) == {"path", "valid", "errors", "warnings", "legacy"} and result["warnings"] == []
    assert set(result["errors"][0]) == {"pointer", "message", "line", "column"}


def test_broken_meta_meta_mode_human_output(cli, project_copy) -> None:
    project = project_copy("broken-meta")
    done = cli("validate", str(project))
    assert done.returncode == 3
    lines = [line for line in done.stdout.splitlines() if ": warning: " not in line]
    assert len(lines) == 9  # logo and the unknown key are bundle-only problems: warnings
    warnings = [line for line in done.stdout.splitlines() if ": warning: " in line]
    assert len(warnings) == 2 and all(line.endswith("(`blocklet bundle` refuses this)") for line in warnings)
    assert lines[1].startswith(f"{project}/blocklet.yml:4:")
    assert lines[1].endswith("/version: must be a string")
    assert "The did of name \"creaky-meta\" should be \"z8iZmWLHFvhY628wGn7UkM7J4i3GTPZTjiEY7\"" in done.stdout
    assert "Traceback" not in done.stderr


def test_folder_of_200_files_in_one_call(cli, tmp_path: Path) -> None:
    for index in range(200):
        text = good_yaml(f"app-{index}") if index % 50 else "name: x\nversion: 1.0\n"
        (tmp_path / f"case-{index:03d}.yml").write_text(text)
    done = cli("validate", str(tmp_path), "--json")
    assert done.returncode == 3
    results = json.loads(done.stdout)["results"]
    assert len(results) == 200
    assert sum(not r["valid"] for r in results) == 4
    (tmp_path / "case-000.yml").write_text(good_yaml("app-0"))
    for index in (50, 100, 150):
        (tmp_path / f"case-{index:03d}.yml").write_text(good_yaml(f"app-{index}"))
    assert cli("validate", str(tmp_path)).returncode == 0


def test_bad_inputs_give_one_line_errors(cli, tmp_path: Path) -> None:
    cases = {
        "broken.yml": b"name: [unclosed\n",
        "binary.yml": b"\x00\x01\x02name",
        "scalar.yml": b"just a string\n",
        "empty.yml": b"",
        "bomb.yml": (b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n".encode() for i in range(8))),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    big = tmp_path / "big.yml"
    big.write_bytes(b"# " + b"x" * (20 * 1024 * 1024) + b"\n")
    done = cli("validate", *[str(tmp_path / n) for n in [*cases, "big.yml"]], "--json", timeout=60)
    assert done.returncode == 3
    results = {Path(r["path"]).name: r for r in json.loads(done.stdout)["results"]}
    assert all(not r["valid"] and len(r["errors"]) == 1 for r in results.values())
    assert results["broken.yml"]["errors"][0]["line"] == 2
    assert "binary" in results["binary.yml"]["errors"][0]["message"]
    assert "too large" in results["big.yml"]["errors"][0]["message"]
    assert "aliases" in results["bomb.yml"]["errors"][0]["message"]
    assert "Traceback" not in done.stderr


def test_missing_path_is_not_found(cli, tmp_path: Path) -> None:
    done = cli("validate", str(tmp_path / "nope"))
    assert done.returncode == 4
    assert "does not exist" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def test_unknown_mode_is_a_usage_error(cli, project_copy) -> None:
    done = cli("validate", "--mode", "weird", cwd=project_copy("static-site"))
    assert done.returncode == 2


def test_json_schema_cross_check_and_store_url(cli, tmp_path: Path) -> None:
    text = good_yaml() + "components:\n  - name: c\n    source:\n      name: c\n"
    (tmp_path / "blocklet.yml").write_text(text)
    assert cli("validate", str(tmp_path), "--json-schema").returncode == 0
    done = cli("validate", str(tmp_path), "--mode", "dev", "--json")
    assert done.returncode == 3
    errors = json.loads(done.stdout)["results"][0]["errors"]
    assert [(e["pointer"], e["message"]) for e in errors] == [
        ("/components/0/source", "missing 'store' in source of component c")]
    assert errors[0]["line"] == 7
    done = cli("validate", str(tmp_path), "--mode", "dev", env={"COMPONENT_STORE_URL": "https://s.io"})
    assert done.returncode == 0, done.stdout


def test_store_url_flag_beats_the_variable_and_verbose_says_so(run_blocklet, tmp_path: Path) -> None:
    text = good_yaml() + "components:\n  - name: c\n    source:\n      name: c\n"
    (tmp_path / "blocklet.yml").write_text(text)
    env = {"COMPONENT_STORE_URL": "https://s.io"}
    done = run_blocklet("--verbose", "validate", str(tmp_path), "--mode", "dev", env=env)
    assert done.returncode == 0, done.stdout
    assert "componentStore = https://s.io (from env:COMPONENT_STORE_URL)" in done.stderr
    done = run_blocklet("--verbose", "validate", str(tmp_path), "--mode", "dev", "--store-url", "https://f.io", env=env)
    assert "componentStore = https://f.io (from flag)" in done.stderr


def test_what_bundle_refuses_is_a_warning_with_the_nearest_key(run_blocklet, tmp_path: Path) -> None:
    text = good_yaml("typo-app").replace("description:", "descripton: oops\ndescription:", 1)
    (tmp_path / "blocklet.yml").write_text(text)
    line = text.splitlines().index("descripton: oops") + 1
    done = run_blocklet("validate", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (f'blocklet.yml:{line}:13: warning: /descripton: "descripton" is not allowed; did you mean '
            '"description"? (`blocklet bundle` refuses this)') in done.stdout
    assert "1 warning(s)" in done.stderr
    as_json = json.loads(run_blocklet("validate", "--json", cwd=tmp_path).stdout)["results"][0]
    assert as_json["valid"] is True and [w["pointer"] for w in as_json["warnings"]] == ["/descripton"]
    strict = run_blocklet("validate", "--strict", cwd=tmp_path)
    assert strict.returncode == 3 and 'did you mean "description"?' in strict.stdout
    bundled = run_blocklet("bundle", cwd=tmp_path)
    assert bundled.returncode == 3 and "descripton" in bundled.stderr + bundled.stdout
