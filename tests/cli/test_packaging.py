"""The data folders (`schemas/`, `templates/`) are found from an editable install and from a wheel
installed in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from blocklet_cli import resources
from tests.conftest import REPO

CHECK = (
    "import json, blocklet_cli.resources as r;"
    "print(json.dumps({'schemas': str(r.data_dir('schemas')), 'templates': str(r.templates_dir()),"
    "'schema': r.schema_path().is_file()}))"
)


def test_editable_install_finds_the_repository_folders():
    assert resources.data_dir("schemas") == REPO / "schemas"
    assert resources.templates_dir() == REPO / "templates"


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_carries_its_data(tmp_path: Path):
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(dist), str(REPO)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("blocklet_cli-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-2000:]
    done = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    import json

    found = json.loads(done.stdout)
    site = str(env_dir)
    assert found["schemas"].startswith(site) and found["templates"].startswith(site)
    assert found["schema"] is True
    run = subprocess.run([str(env_dir / "bin" / "blocklet"), "did", "my-blocklet"], capture_output=True,
                         text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0 and run.stdout.strip() == "z8ia4zFrpmi7DRUXsvmpgY3Mopcz84Zo3G7EB"
