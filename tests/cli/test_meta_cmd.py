"""`blocklet meta` through the real console script."""

from __future__ import annotations

import json

import yaml


def test_meta_prints_normalised_json(cli, project_copy) -> None:
    project = project_copy("static-site")
    done = cli("meta", cwd=project)
    assert done.returncode == 0, done.stderr
    meta = json.loads(done.stdout)
    assert meta["author"] == {"name": "Mara Quinn", "email": "mara@harbor-lights.example",
                              "url": "https://harbor-lights.example"}
    assert meta["keywords"] == ["harbor", "ferry", "timetable"]
    assert meta["interfaces"][0]["proxyBehavior"] == "service"
    assert meta["requirements"] == {"server": ">=1.7.0", "os": "*", "cpu": "*", "nodejs": "*"}
    # input keys first, then the defaults in the reference's order
    assert list(meta)[-12:] == ["community", "documentation", "homepage", "license", "nftFactory", "payment",
                                "timeout", "requirements", "environments", "capabilities", "components", "egress"]


def test_meta_yaml_keeps_key_order(cli, project_copy) -> None:
    project = project_copy("static-site")
    as_json = json.loads(cli("meta", str(project)).stdout)
    done = cli("meta", str(project), "--format", "yaml")
    assert done.returncode == 0, done.stderr
    assert list(yaml.safe_load(done.stdout)) == list(as_json)
    assert "keywords:\n  - harbor\n  - ferry\n" in done.stdout
    assert "prefix: '*'" in done.stdout


def test_meta_fills_description_with_the_absolute_folder(cli, tmp_path) -> None:
    (tmp_path / "blocklet.yml").write_text("did: z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8\n")
    meta = json.loads(cli("meta", cwd=tmp_path).stdout)
    assert meta["description"] == f"Blocklet from {tmp_path.resolve()}"
    assert meta["name"] == meta["did"]


def test_meta_invalid_exits_3_with_positions(cli, project_copy) -> None:
    done = cli("meta", cwd=project_copy("broken-meta"))
    assert done.returncode == 3
    assert done.stdout == ""
    assert "blocklet.yml:4:10: /version: must be a string" in done.stderr
    assert "Traceback" not in done.stderr


def test_meta_broken_yaml_is_bad_input(cli, tmp_path) -> None:
    (tmp_path / "blocklet.yml").write_text("name: @scope/pkg\n")
    done = cli("meta", cwd=tmp_path)
    assert done.returncode == 5
    assert "blocklet.yml:1:7" in done.stderr


def test_meta_of_a_file_path_and_bad_format(cli, project_copy) -> None:
    project = project_copy("static-site")
    done = cli("meta", str(project / "blocklet.yml"), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["name"] == "harbor-lights"
    done = cli("meta", str(project), "--format", "toml")
    assert done.returncode == 2 and "unknown format" in done.stderr
