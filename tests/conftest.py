"""Shared test fixtures: the fixtures folder (tests/fixtures), scratch project copies, the real console
script, an isolated HOME, and the npm oracles."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# No process a test starts inherits NODE_PATH (a booted release, `blocklet dev`'s children, the real server): a
# release must find its modules in its own files. The oracle drivers get their modules explicitly (`node_eval`).
os.environ.pop("NODE_PATH", None)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
ORACLE_SCRIPTS = REPO / "tests" / "oracles"
CACHE = Path(os.environ.get("BLOCKLET_TEST_CACHE", Path.home() / ".cache" / "blocklet-cli-tests"))
ORACLE_MODULES = Path(os.environ.get("BLOCKLET_ORACLE_MODULES", CACHE / "oracles" / "node_modules"))
BLOCKLET = Path(sys.executable).parent / "blocklet"
REAL_HOME = Path.home()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests first, then the other slow ones (a stable sort): under `make test`
    (`pytest -n 2 --dist loadfile --no-loadscope-reorder`) the files holding the long tests start at
    once on both workers instead of one worker ending the run alone."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("e2e") else 1 if item.get_closest_marker("slow") else 2)


SHARED_SERVER_TESTS = "tests/e2e/"


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, except that the e2e files form one unit: they share one real Blocklet Server
    (tests/e2e/conftest.py), so they must run in one worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedServerScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SHARED_SERVER_TESTS if nodeid.startswith(SHARED_SERVER_TESTS) else super()._split_scope(nodeid)

    return SharedServerScheduling(config, log)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures: sample projects, metadata cases with the reference verdicts, DID vectors."""
    return FIXTURES


def make_writable(root: Path) -> None:
    """Fixtures are read-only; scratch copies must not be."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))


@pytest.fixture
def project_copy(fixtures_dir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture project (without EXPECTED.md) into a scratch folder and return its path."""

    def copy(name: str, dest: Path | None = None) -> Path:
        target = dest or tmp_path / Path(name).name
        shutil.copytree(fixtures_dir / "projects" / name, target, symlinks=True,
                        ignore=shutil.ignore_patterns("EXPECTED.md"))
        make_writable(target)
        return target

    return copy


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and XDG folders, so no real config or cache is read or written."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(var, str(home / sub))
    for var in ("ABT_NODE_CUSTOM_DATA_DIR", "BLOCKLET_STORE", "BLOCKLET_ACCESS_TOKEN", "BLOCKLET_PROFILE",
                "COMPONENT_STORE_URL", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_UPDATE_NOTIFIER", "1")
    # pip (in the install, packaging and pre-commit tests) keeps its download cache with the other test
    # installs, so a run does not fetch the same wheels again
    monkeypatch.setenv("PIP_CACHE_DIR", str(CACHE / "pip"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return home


@pytest.fixture
def run_blocklet() -> Callable[..., subprocess.CompletedProcess]:
    """Run the real console script; returns the CompletedProcess (text mode, CI set, no stdin)."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "CI": "1", "NO_COLOR": "1", **(env or {})}
        return subprocess.run([str(BLOCKLET), *args], cwd=cwd, env=full_env, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    return run


class RecordedTask:
    """A task of `RecordingReporter`: its advances (amount, total, description), completed count and state."""

    def __init__(self, reporter: RecordingReporter, description: str, total: float | None, unit: str) -> None:
        self.reporter, self.description, self.total, self.unit = reporter, description, total, unit
        self.completed = 0.0
        self.advances: list[tuple[float, float | None, str | None]] = []
        self.descriptions = [description]
        self.state = "running"

    def advance(self, amount: float = 1, *, total: float | None = None, description: str | None = None) -> None:
        self.completed += amount
        self.total = total if total is not None else self.total
        if description is not None:
            self.descriptions.append(description)
        self.advances.append((amount, total, description))
        self.reporter.on_advance(self, amount)

    def finish(self) -> None:
        self.state = "finished"

    def __enter__(self) -> RecordedTask:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.state = "finished" if exc_type is None else "aborted"


class RecordingReporter:
    """A real `blocklet_cli.core.report.Reporter` that keeps everything it is told, for assertions."""

    def __init__(self, on_advance: Callable[[RecordedTask, float], None] | None = None) -> None:
        self.lines: list[tuple[str, str]] = []
        self.tasks: list[RecordedTask] = []
        self._on_advance = on_advance

    def info(self, message: str) -> None:
        self.lines.append(("info", message))

    def warn(self, message: str) -> None:
        self.lines.append(("warn", message))

    def detail(self, message: str) -> None:
        self.lines.append(("detail", message))

    def task(self, description: str, total: float | None = None, unit: str = "items") -> RecordedTask:
        self.tasks.append(RecordedTask(self, description, total, unit))
        return self.tasks[-1]

    def on_advance(self, task: RecordedTask, amount: float) -> None:
        if self._on_advance is not None:
            self._on_advance(task, amount)


@dataclass
class CliResult:
    """What one in-process run printed (the attributes of subprocess.CompletedProcess that tests read)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _text_stream(data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", write_through=True)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """Run `blocklet ARGS` in this process through `blocklet_cli.cli.app.main` with its own streams (text,
    CI and NO_COLOR set, no terminal). The environment and the working folder are restored afterwards.
    Use `run_blocklet` for what needs a real process (exit codes of the console script, signals, ptys)."""
    from blocklet_cli.cli.app import main

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, input: str | None = None,
            timeout: float | None = None) -> CliResult:
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        stdin, stdout, stderr = _text_stream((input or "").encode()), _text_stream(), _text_stream()
        os.environ.update({"CI": "1", "NO_COLOR": "1", **(env or {})})
        try:
            if cwd is not None:
                os.chdir(cwd)
            try:
                main([str(arg) for arg in args], stdin=stdin, stdout=stdout, stderr=stderr)
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            out = stdout.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
            err = stderr.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        return CliResult([str(arg) for arg in args], code, out, err)

    return run


@pytest.fixture(scope="session")
def oracle_modules() -> Path:
    """node_modules holding the ArcBlock npm packages used as oracles (scripts/install-test-deps.sh)."""
    if not (ORACLE_MODULES / "@blocklet" / "meta").is_dir():
        message = f"npm oracles not installed in {ORACLE_MODULES}: run scripts/install-test-deps.sh"
        if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
            pytest.fail(message)
        pytest.skip(message)
    return ORACLE_MODULES


def node_eval(script: str, modules: Path, *args: str, input: str | None = None, cwd: Path | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a Node script with `modules` on NODE_PATH (for oracle checks)."""
    env = {**os.environ, "NODE_PATH": str(modules)}
    return subprocess.run(["node", "-e", script, *args], env=env, input=input, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def static_web_server(folder: Path) -> Iterator[str]:
    """A real static web server (`python -m http.server`) serving `folder`; yields its base URL."""
    port = free_port()
    with serving_process([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                          "--directory", str(folder)], port) as url:
        yield url


@contextlib.contextmanager
def serving_process(command: list[str], port: int) -> Iterator[str]:
    """Run `command` (a server listening on 127.0.0.1:`port`) until the block ends; yields its base URL once
    the port accepts connections."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
