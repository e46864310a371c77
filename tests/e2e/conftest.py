"""The real Blocklet Server for the e2e tests (see server_harness.py for how it is run).

One server per pytest run, shared by the e2e modules: it is started inside a private network namespace
on first use (an access key is made), each module gets an app of its own on it, the test process joins
the namespace for the module (so `run_blocklet` and the GraphQL checks reach 127.0.0.1 of the namespace),
and the server is stopped at the end. Under `make test` the e2e modules run in one pytest-xdist worker
(tests/conftest.py) and a module holding a `stops_server` test runs after the others. Skipped, with a
clear reason and a warning line, only where the machine cannot create a network namespace.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e import server_harness
from tests.e2e.server_harness import BlockletServer

TIMINGS_FILE = "e2e-deploy-timings.json"


@dataclass
class E2E:
    """What a module's tests share: the running server, the module's app, and measured timings (those of
    the whole run: one dict for every module)."""

    server: BlockletServer
    app_did: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        return self.server.stopped

    @stopped.setter
    def stopped(self, value: bool) -> None:
        self.server.stopped = value

    @property
    def key_env(self) -> dict[str, str]:
        return {"BLOCKLET_DEPLOY_ACCESS_KEY": self.server.access_key["accessKeyId"],
                "BLOCKLET_DEPLOY_ACCESS_SECRET": self.server.access_key["accessKeySecret"],
                "BLOCKLET_DEPLOY_ENDPOINT": f"http://127.0.0.1:{server_harness.DAEMON_PORT}",
                "BLOCKLET_DEPLOY_APP_DID": self.app_did}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stops_server: stops the shared e2e server (its module runs last)")


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py's sort, which keeps this order
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A module holding a `stops_server` test runs after the other e2e modules (a stable sort: the order
    inside each module is kept), so the shared server is stopped only at the end."""
    stopping = {item.path for item in items if item.get_closest_marker("stops_server")}
    if stopping:
        items.sort(key=lambda item: item.path in stopping)


def _skip_loudly(reason: str) -> None:
    """Skip with a warning; fail instead when BLOCKLET_REQUIRE_E2E is set (scripts/check-prereqs.sh)."""
    if os.environ.get("BLOCKLET_REQUIRE_E2E"):
        pytest.fail(f"e2e deploy tests cannot run and BLOCKLET_REQUIRE_E2E is set: {reason}")
    message = f"e2e deploy tests against the real Blocklet Server SKIPPED: {reason}"
    warnings.warn(message, stacklevel=2)
    os.write(2, f"\nWARNING: {message}\n".encode())
    pytest.skip(message)


def _create_app(server: BlockletServer) -> str:
    """An app made through GraphQL with the `ci` key (`installBlocklet` with `type: create`)."""
    from blocklet_cli.core.identity import did
    from blocklet_cli.core.identity.wallet import Wallet

    wallet = Wallet.generate(did.APPLICATION_TYPE)
    answer = server.gql(
        "mutation($input: RequestInstallBlockletInput){ installBlocklet(input:$input){ code blocklet{appDid} } }",
        {"input": {"type": "create", "appSk": wallet.secret_key_hex, "title": "E2E Harbor App",
                   "description": "App for the blocklet-cli e2e tests", "startImmediately": True}})
    assert answer.get("data", {}).get("installBlocklet", {}).get("code") == "ok", answer
    return answer["data"]["installBlocklet"]["blocklet"]["appDid"]


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[BlockletServer]:
    """The run's one server (started on first use, about half a minute; stopping it takes as long)."""
    problem = server_harness.namespace_problem()
    if problem:
        _skip_loudly(problem)
    if not server_harness.installed():
        message = (f"the Blocklet Server is not installed in {server_harness.server_install_dir()}: "
                   "run scripts/install-blocklet-server.sh (make test does)")
        if os.environ.get("BLOCKLET_REQUIRE_ORACLES"):
            pytest.fail(message)
        _skip_loudly(message)
    server = BlockletServer(tmp_path_factory.mktemp("blocklet-server"))
    started = False
    # One real server at a time on this machine, whatever runs the modules (pytest-xdist workers, two
    # sessions): the server CLI's `stop --force` is not limited to its namespace, and two servers on 2 cores
    # time each other out.
    lock = open(Path(tempfile.gettempdir()) / "blocklet-cli-e2e-server.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        server.start()
        started = True
        yield server
    finally:
        killed = [] if server.stopped else server.stop()
        leftovers = server.pids()
        server.delete_namespace()
        if started:
            _report(request, server.timings, killed)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        assert not leftovers, f"processes left in namespace {server.ns}: {leftovers}"


@pytest.fixture(scope="module")
def e2e(e2e_server: BlockletServer) -> Iterator[E2E]:
    """An app of the module's own on the shared server; its components are stopped after the module, so
    they do not load the machine while the next module runs."""
    if e2e_server.stopped:
        pytest.fail("the shared e2e server was stopped by an earlier test: a `stops_server` test must run last")
    with e2e_server.inside():
        started = time.monotonic()
        app_did = _create_app(e2e_server)
        e2e_server.timings.setdefault("create_app", time.monotonic() - started)
        yield E2E(e2e_server, app_did, e2e_server.timings)
        if not e2e_server.stopped:
            e2e_server.gql("mutation($input: RequestComponentsInput){ stopBlocklet(input:$input){ code } }",
                           {"input": {"did": app_did}}, app_did=app_did)


def _report(request: pytest.FixtureRequest, timings: dict[str, float], killed: list[str]) -> None:
    line = "e2e Blocklet Server timings (s): " + ", ".join(f"{k}={v:.2f}" for k, v in timings.items())
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(line)
        for command in killed:
            reporter.write_line(f"e2e: killed by PID after `stop` and `stop --force`: {command}")
    path = server_harness.cache_dir() / TIMINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"timings": timings, "killedByPid": killed}, indent=2) + "\n")


@pytest.fixture(scope="module")
def e2e_projects(tmp_path_factory: pytest.TempPathFactory, fixtures_dir: Path) -> dict[str, Path]:
    """Scratch copies of the static and dapp fixture projects shared by the ordered e2e steps."""
    import shutil

    from tests.conftest import make_writable

    root = tmp_path_factory.mktemp("e2e-projects")
    copies = {}
    for name in ("static-site", "node-dapp"):
        target = root / name
        shutil.copytree(fixtures_dir / "projects" / name, target, symlinks=True,
                        ignore=shutil.ignore_patterns("EXPECTED.md"))
        make_writable(target)
        copies[name] = target
    return copies
