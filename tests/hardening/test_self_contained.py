"""The repository stands on its own: nothing reads a folder beside it, and a fresh clone with nothing
beside it runs the conformance and CLI suites green."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CACHE, FIXTURES, REAL_HOME, REPO

# spelled in pieces so that this file does not match itself
OUTSIDE = re.compile("|".join([r"\.\./" + "shared/", "/work/" + "shared", "BLOCKLET_" + "SHARED_DIR",
                               r"parent\s*/\s*[\"']" + "shared[\"']"]))
SCANNED = ["blocklet_cli", "tests", "docs", "scripts", ".ci", "benchmarks", "schemas", "templates",
           "Makefile", "pyproject.toml"]


def scanned_files() -> list[Path]:
    files = []
    for name in SCANNED:
        root = REPO / name
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        files += [p for p in candidates if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".png"]
    return files


def test_nothing_reads_a_folder_beside_the_repository() -> None:
    files = scanned_files()
    assert len(files) > 200
    hits = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert hits == []


def test_the_fixtures_are_tracked_with_their_node_modules_and_env_files() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git work tree (an sdist): nothing to compare with")
    tracked = subprocess.run(["git", "ls-files", "tests/fixtures"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    on_disk = sorted(str(p.relative_to(REPO)) for p in FIXTURES.rglob("*") if p.is_file())
    assert on_disk == sorted(tracked)
    for must in ("tests/fixtures/projects/node-dapp/node_modules/tiny-slug/index.js",
                 "tests/fixtures/projects/monorepo/node_modules/petal-format/lib/index.js",
                 "tests/fixtures/projects/node-dapp/.env", "tests/fixtures/projects/node-dapp/.env.local",
                 "tests/fixtures/meta/expected.json", "tests/fixtures/did-vectors.json"):
        assert must in tracked


def clone_interpreter(clone: Path, folder: Path) -> Path:
    """A virtual environment whose `python` and `blocklet` import the clone's code first, then this
    environment's installed packages (no install needed); its python."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(folder)
    site = next(folder.glob("lib/python*/site-packages"))
    (site / "clone.pth").write_text(f"{clone}\n{sysconfig.get_paths()['purelib']}\n")
    script = (Path(sys.executable).parent / "blocklet").read_text().split("\n", 1)[1]
    console = folder / "bin" / "blocklet"
    console.write_text(f"#!{folder / 'bin' / 'python'}\n{script}")
    console.chmod(0o755)
    return folder / "bin" / "python"


@pytest.fixture
def lonely_folders() -> Iterator[tuple[Path, Path]]:
    """(a folder for the clone, a folder for its environment): outside pytest's private (0700) folder,
    since some CLI tests run the console script as `nobody`."""
    folders = [Path(tempfile.mkdtemp(prefix=f"blocklet-{name}-")) for name in ("lonely", "clone-env")]
    try:
        for folder in folders:
            folder.chmod(0o755)
        yield folders[0], folders[1]
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_fresh_clone_with_nothing_beside_it_passes_the_conformance_and_cli_suites(
        lonely_folders: tuple[Path, Path], tmp_path: Path) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git work tree (an sdist): nothing to clone")
    lonely, environment = lonely_folders
    clone = lonely / "repo"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True,
                   capture_output=True, timeout=120)
    assert sorted(p.name for p in lonely.iterdir()) == ["repo"]
    head = [subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True,
                           check=True).stdout for where in (REPO, clone)]
    assert head[0] == head[1]
    python = clone_interpreter(clone, environment)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON", "BLOCKLET_"))}
    env.update(HOME=str(REAL_HOME), BLOCKLET_TEST_CACHE=str(CACHE), BLOCKLET_REQUIRE_ORACLES="1")
    # the console script runs this interpreter, which imports the clone's code
    assert (python.parent / "blocklet").read_text().startswith(f"#!{python}\n")
    found = subprocess.run([str(python), "-c", "import blocklet_cli; print(blocklet_cli.__file__)"], cwd=lonely,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert found == str(clone / "blocklet_cli" / "__init__.py")
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "inner"),
               "-n", "2", "tests/conformance", "tests/cli"]
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary, summary
