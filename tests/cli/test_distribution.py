"""Distribution: `python -m build` makes an sdist and a wheel that `twine check` accepts, both carrying
the schemas and templates; the version comes from one place."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from blocklet_cli import __version__
from tests.conftest import REPO


@pytest.mark.slow
def test_build_sdist_and_wheel_and_twine_check(tmp_path: Path):
    out = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    assert f"-{__version__}" in wheel.name and f"-{__version__}" in sdist.name
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert any(n.startswith("blocklet_cli/_data/schemas/") for n in names)
    assert any(n.startswith("blocklet_cli/_data/templates/") for n in names)
    assert re.search(r"^Requires-Python: >=3\.10$", metadata, re.M)
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert any("/schemas/" in m for m in members) and any("/templates/" in m for m in members)
