"""Real Node dapps (tests/real_dapps.py) deployed to the real Blocklet Server 1.17.12 in zip and compact modes.

For each: the release is bundled by the console script, booted locally from an empty folder (`node
blocklet.js`, no NODE_PATH; a compact release's recorded externals installed there with npm first, as the
server does), then the same release is deployed (the compact one as a component of its own, renamed, beside
the zip one); the component reaches `running` and answers through the server's router. The server runs
without NODE_PATH, so everything a dapp needs must come with its release, or, for a compact release's
external dependencies, be installed by the server itself: it runs `bun install` in the app folder
(Bun from the test cache on its PATH, the registry through tests/e2e/registry_relay.py)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.registry_relay import bun_dir
from tests.e2e.server_harness import ROUTER_PORT
from tests.e2e.test_deploy_server import app_host, children
from tests.real_dapps import (
    DAPPS,
    REPO,
    RealDapp,
    esbuild_env,
    expand_release,
    in_host_network,
    install_externals,
    recorded_externals,
    scratch_copy,
    started,
    wait_for_page,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def registry(e2e) -> Iterator[None]:
    """The registry relay in the server's namespace, for the server's `bun install` of externals."""
    if not (bun_dir() / "bun").exists():
        pytest.fail(f"Bun is not in {bun_dir()}: run scripts/install-real-dapps.sh")
    log = open(e2e.server.work / "registry-relay.log", "wb")  # noqa: SIM115 (closed below)
    # started from the host's network namespace (this process sits in the server's): it connects out from there
    relay = subprocess.Popen([sys.executable, "-m", "tests.e2e.registry_relay", e2e.server.ns], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=in_host_network)
    try:
        assert relay.stdout is not None and relay.stdout.readline().strip() == "ready"
        yield
    finally:
        relay.terminate()
        relay.wait(timeout=10)
        log.close()


def _cases() -> list:
    ordered = [(dapp, mode) for dapp in DAPPS for mode in ("zip", "compact") if dapp.name != "lantern-vite-dapp"]
    vite = next(dapp for dapp in DAPPS if dapp.name == "lantern-vite-dapp")
    # the pnpm case last: if it fails, its broken component cannot disturb the others
    ordered += [(vite, "compact"), (vite, "zip")]
    return [pytest.param(dapp, mode, id=f"{dapp.name}-{mode}") for dapp, mode in ordered]


def _server_logs(server, app_did: str, name: str) -> str:
    """The tail of the component's own logs and of the daemon's log lines about it (for failure messages)."""
    root = server.server_dir / ".blocklet-server" / "logs"
    parts = []
    for path in sorted((root / app_did / name).glob("*.log")) + sorted((root / "_abtnode").glob("daemon-*.log")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if path.name.startswith("daemon"):
            lines = [line for line in lines if name in line and ("error" in line or "warn" in line)]
        parts.append(f"--- {path.name}\n" + "\n".join(line[:600] for line in lines[-12:]))
    return "\n".join(parts)


def _app_dirs(server, name: str) -> list[Path]:
    """The folders the server expanded component `name` into (<data>/blocklets/<name>/<version>-<hash>)."""
    return sorted((server.server_dir / ".blocklet-server" / "blocklets" / name).glob("*/"))


def _component_did(project: Path) -> str:
    import yaml

    return yaml.safe_load((project / "blocklet.yml").read_text(encoding="utf-8"))["did"]


def _rename(project: Path, name: str) -> None:
    """Give the blocklet in `project` another name (and so another DID)."""
    import re

    from blocklet_cli.core.identity.did import to_blocklet_did

    path = project / "blocklet.yml"
    text = re.sub(r"(?m)^name: .*$", f"name: {name}", path.read_text(encoding="utf-8"))
    path.write_text(re.sub(r"(?m)^did: .*$", f"did: {to_blocklet_did(name)}", text), encoding="utf-8")


def _component_name(project: Path) -> str:
    import yaml

    return yaml.safe_load((project / "blocklet.yml").read_text(encoding="utf-8"))["name"]


@pytest.mark.parametrize(("dapp", "mode"), _cases())
def test_release_runs_on_the_server(dapp: RealDapp, mode: str, e2e, registry, run_blocklet, tmp_path):
    project = scratch_copy(dapp.name, tmp_path / "src") / dapp.blocklet
    if mode == "compact":  # a component of its own, beside the zip one (a fresh install, not an upgrade)
        _rename(project, f"{_component_name(project)}-compact")
    args = ["bundle", str(project), "--create-release", "--json", *(["--compact"] if mode == "compact" else [])]
    built = run_blocklet(*args, env=esbuild_env(), timeout=600)
    assert built.returncode == 0, built.stderr
    release = json.loads(built.stdout)["release"]
    app = expand_release(Path(release["tarball"]), tmp_path / "local")
    externals = recorded_externals(app)
    assert not externals or not (app / "node_modules").exists()  # the release leaves them to the server
    install_externals(app)
    with started(app) as (port, process, log):
        status, body = wait_for_page(port, process, log, dapp.path)
    assert status == 200 and dapp.expect in body, body

    mount = f"/{dapp.name}-{mode}"
    deployed = run_blocklet("deploy", release["releaseDir"], "--json", "--mount-point", mount, env=e2e.key_env,
                            timeout=900)
    assert deployed.returncode == 0, deployed.stderr
    component = _component_did(project)
    version = json.loads(Path(release["meta"]).read_text(encoding="utf-8"))["version"]
    server = e2e.server
    # the install goes on after the upload: the server installs the externals (`bun install`) first
    try:
        server.wait_until(lambda: component in children(server, e2e.app_did), f"{dapp.name} ({mode}) installed",
                          900 if externals else 120, interval=2)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{_server_logs(server, e2e.app_did, _component_name(project))}") from None
    assert children(server, e2e.app_did)[component]["meta"]["version"] == version

    started_at = time.monotonic()
    with contextlib.suppress(TimeoutError):  # the server starts a new component of a running app by itself
        server.wait_until(lambda: children(server, e2e.app_did)[component]["status"] == "running",
                          "the component's own start", 900 if externals else 30, interval=1)
    if children(server, e2e.app_did)[component]["status"] != "running":
        answer = server.gql("mutation($input: RequestComponentsInput){ startBlocklet(input:$input){ code } }",
                            {"input": {"did": e2e.app_did, "componentDids": [component]}}, app_did=e2e.app_did)
        assert answer.get("data", {}).get("startBlocklet", {}).get("code") == "ok", answer
    try:
        server.wait_until(lambda: children(server, e2e.app_did)[component]["status"] == "running",
                          f"{dapp.name} ({mode}) reaching running", 900 if externals else 240, interval=1)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{_server_logs(server, e2e.app_did, _component_name(project))}") from None
    e2e.timings[f"{dapp.name}_{mode}_running"] = time.monotonic() - started_at
    if externals:  # the server installed them into the app folder (the release carries none)
        [app_dir] = _app_dirs(server, _component_name(project))
        assert all((app_dir / "node_modules" / name / "package.json").is_file() for name in externals), app_dir
    server.wait_until(lambda: server.has_site(app_host(e2e.app_did)), "the app's site in the router", 180)
    status, body = server.wait_until(
        lambda: (lambda r: r if r[0] == 200 and dapp.expect in r[1] else None)(
            server.http_get(f"http://127.0.0.1:{ROUTER_PORT}{mount}{dapp.path.rstrip('/')}", app_host(e2e.app_did))),
        f"{dapp.name} ({mode}) answering through the router", 120, interval=1)
    assert status == 200


def test_server_runs_without_node_path(e2e):
    assert "NODE_PATH" not in e2e.server.env()
    pids = e2e.server.pids()
    environments = [Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") for pid in pids
                    if Path(f"/proc/{pid}/environ").exists()]
    assert environments and not any(item.startswith(b"NODE_PATH=") for env in environments for item in env)
