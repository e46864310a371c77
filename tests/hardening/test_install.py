"""Installing for users: `pipx install .` gives a working `blocklet` (schemas and templates found, from
a folder outside the repository), and the version comes from one place (`blocklet_cli/__init__.py`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest

from blocklet_cli import __version__
from blocklet_cli.core.http import USER_AGENT
from tests.conftest import REPO


def test_version_agrees_everywhere(run_blocklet):
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)*", __version__)
    assert dist_version("blocklet-cli") == __version__
    assert USER_AGENT.startswith(f"blocklet-cli/{__version__} ")
    assert run_blocklet("--version").stdout == f"blocklet {__version__}\n"
    assert run_blocklet("-V").stdout == f"blocklet {__version__}\n"
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'path = "blocklet_cli/__init__.py"' in pyproject


@pytest.mark.slow
def test_pipx_install_gives_a_working_blocklet(tmp_path: Path):
    tools = tmp_path / "tools"
    venv.EnvBuilder(with_pip=True).create(tools)
    got = subprocess.run([str(tools / "bin" / "python"), "-m", "pip", "install", "--quiet", "pipx"],
                         capture_output=True, text=True, check=False)
    assert got.returncode == 0, got.stderr[-2000:]
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man"), "CI": "1", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    installed = subprocess.run([str(tools / "bin" / "pipx"), "install", "--python", sys.executable, str(REPO)],
                               capture_output=True, text=True, env=env, check=False, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    blocklet = tmp_path / "bin" / "blocklet"
    outside = tmp_path / "somewhere else ü"
    outside.mkdir()

    def run(*args: str, cwd: Path = outside) -> subprocess.CompletedProcess:
        return subprocess.run([str(blocklet), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False, timeout=120)

    assert run("--version").stdout == f"blocklet {__version__}\n"
    for group in ("static", "dapp"):
        created = run("init", f"app-{group}", "--yes", "--group", group, "--name", f"px-{group}")
        assert created.returncode == 0, created.stderr
        checked = run("--json", "validate", cwd=outside / f"app-{group}")
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["results"][0]["valid"] is True
    site = tmp_path / "pipx" / "venvs" / "blocklet-cli"
    data = next(site.glob("lib/python*/site-packages/blocklet_cli/_data"))
    assert (data / "schemas").is_dir() and (data / "templates").is_dir()
