"""`blocklet dev` behind its gateway vs the real Blocklet Server 1.17.12 running the same composed app.

The app (tests/fixtures/compose-parity): the static parent `pier-parity` at `/`, the Node dapp `pier-probe` at
`/probe` (it answers with the request line, headers and process environment it saw) and the static
`pier-pictures` at `/pictures`, the two components published into a file store served over HTTP. The server
installs the parent from that store as an app (`installBlocklet` of type `url`, as the console's "install from
URL" does) and runs it; `blocklet dev` runs the same parent. The probe is asked the same requests through the
server's router and through our gateway, and the test compares what it saw: the routing headers, the
forwarding headers and the component/mount-point variables. Values that legitimately differ between the two
runs (ports, hosts, the app's DID and keys, folders, request ids, pids) are replaced by placeholders or checked
by shape; every other difference fails, and so does a variable or header present on one side only.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest

from tests.e2e.server_harness import ROUTER_PORT, cache_dir
from tests.e2e.test_deploy_server import app_host

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose-parity"
PARENT, PROBE, PICTURES = "pier-parity", "pier-probe", "pier-pictures"
PROBE_DID = "z8iZsWsFCE8xPGBqHXmBruBeBKRpDwBfnPCUo"
PARENT_DID = "z8iZm4PS9MyMVN79SgoANLo4h9SvLamWqvQUb"
PICTURES_DID = "z8ia5PM1H7Uvi9WhQhqGRHSzjgnkSqC2Ab9c9"
DUMP = "e2e-dev-parity.json"  # both observations, for reading a failure

# (path, extra request headers): a plain request below the mount point, and one that carries forwarding headers
# of an earlier proxy and forged routing headers (the router replaces those)
REQUESTS = [
    ("/probe/deep/path?q=1&r=two", {}),
    ("/probe/", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "pier.example",
                 "X-Path-Prefix": "/forged", "X-Blocklet-Did": "zForged", "X-Blocklet-Component-Id": "zForged/x"}),
]

# variables only a server can give (keys, secrets, server-side services and their state): documented in
# docs/commands/dev.md ("Not set (they need a server)")
SERVER_ONLY = re.compile(
    r"^(BLOCKLET_APP_(PSK|EK|ASK|PPK|SALT|NAME_SLUG|SK)"
    r"|BLOCKLET_APP_\w*_ETH|BLOCKLET_SESSION_SECRET|BLOCKLET_COMPONENT_API_KEY|BLOCKLET_START_AT"
    r"|ABT_NODE_SERVICE_PORT)$")


class _StoreHandler(http.server.SimpleHTTPRequestHandler):
    # the server refuses a tarball of any other type (application/x-tar is what mimetypes says for .tgz)
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                                                ".tgz": "application/octet-stream"}

    def log_message(self, format, *args):
        return None


def _daemon_errors(server) -> str:
    """The last error lines of the server's daemon log (for failure messages)."""
    lines = []
    for path in sorted((server.server_dir / ".blocklet-server" / "logs" / "_abtnode").glob("daemon-error*.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(line[:400] for line in lines[-8:])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, e2e):
    """The file store folder served over HTTP on 127.0.0.1 of the server's namespace (the thread that starts it
    is inside it, so is its socket)."""
    root = tmp_path_factory.mktemp("parity-store") / "store"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_StoreHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory, store, e2e) -> Path:
    """Scratch copies of the three projects; the two components and the parent published into the store."""
    import subprocess

    from tests.conftest import BLOCKLET, make_writable

    root, url = store
    work = tmp_path_factory.mktemp("parity-projects")
    for name in (PROBE, PICTURES, PARENT):
        project = Path(shutil.copytree(FIXTURES / name, work / name))
        make_writable(project)
        if name == PARENT:
            meta = project / "blocklet.yml"
            meta.write_text(meta.read_text(encoding="utf-8").replace("__STORE_URL__", url), encoding="utf-8")
        done = subprocess.run([str(BLOCKLET), "publish", "--store", str(root), "--json"], cwd=project,
                              capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                              env={**__import__("os").environ, "CI": "1", "NO_COLOR": "1"})
        assert done.returncode == 0, done.stderr
    return work / PARENT


def _ask(url: str, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def _app_children(server, app_did: str) -> dict[str, dict]:
    answer = server.gql("{ getBlocklets(input:{includeRuntimeInfo:false}) { code blocklets { appDid status"
                        " children { meta { did name } status mountPoint } } } }")
    apps = [app for app in (answer.get("data") or {}).get("getBlocklets", {}).get("blocklets", [])
            if app["appDid"] == app_did]
    return {child["meta"]["name"]: child for child in apps[0]["children"]} if apps else {}


def observe_server(e2e, store_url: str) -> tuple[dict, list[dict]]:
    """Install the parent as an app on the server, start it, and ask the probe through the router."""
    from blocklet_cli.core.identity import did
    from blocklet_cli.core.identity.wallet import Wallet

    server = e2e.server
    wallet = Wallet.generate(did.APPLICATION_TYPE)
    answer = server.gql(
        "mutation($input: RequestInstallBlockletInput){ installBlocklet(input:$input){ code blocklet{appDid} } }",
        {"input": {"type": "url", "url": f"{store_url}/api/blocklets/{PARENT_DID}/blocklet.json",
                   "appSk": wallet.secret_key_hex, "startImmediately": True}})
    assert ((answer.get("data") or {}).get("installBlocklet") or {}).get("code") == "ok", \
        f"{answer}\n{_daemon_errors(server)}"
    app_did = wallet.address  # the app's DID is its wallet's (the answer of an install still running has none)
    host = app_host(app_did)

    def probe_answers():
        status, body = server.http_get(f"http://127.0.0.1:{ROUTER_PORT}/probe/", host)
        return status == 200 and body.startswith("{")

    try:
        server.wait_until(lambda: len(_app_children(server, app_did)) == 3 and all(
            c.get("status") in ("installed", "stopped", "running") for c in _app_children(server, app_did).values()),
            "the composed app installed on the server", 240, interval=1)
        # an app that was never initialised is not started by `startImmediately`: started as a user would
        started = server.gql("mutation($input: RequestComponentsInput){ startBlocklet(input:$input){ code } }",
                             {"input": {"did": app_did}}, app_did=app_did)
        assert ((started.get("data") or {}).get("startBlocklet") or {}).get("code") == "ok", \
            f"{started}\n{_daemon_errors(server)}"
        server.wait_until(lambda: _app_children(server, app_did).get(PROBE, {}).get("status") == "running",
                          "the probe running on the server", 240, interval=1)
        server.wait_until(lambda: server.has_site(host), "the app's site in the router", 180)
        server.wait_until(probe_answers, "the probe answering through the router", 120, interval=1)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}: {_app_children(server, app_did)}\n{_daemon_errors(server)}") from None
    seen = [_ask(f"http://127.0.0.1:{ROUTER_PORT}{path}", {"Host": host, **extra}) for path, extra in REQUESTS]
    # "port": what x-forwarded-port names: the Host header's port, 80 when it names none (http-proxy's getPort)
    return {"appDid": app_did, "host": host, "port": 80}, seen


def observe_dev(parent: Path) -> tuple[dict, list[dict], tuple[int, str, str]]:
    from tests.cli.test_dev_cmd import DevProcess, fetch

    # a developer's shell, not this test run's: the process inherits the shell's environment as node would, so
    # the test run's own switches (BLOCKLET_REQUIRE_E2E, …, which CI sets) must not be there to compare
    shell = {key: value for key, value in os.environ.items() if not key.startswith("BLOCKLET_")}
    dev = DevProcess(parent, base_env=shell)
    try:
        gateway = dev.doc["gateway"]
        fetch(f"{gateway['url']}/probe/")
        host = f"127.0.0.1:{gateway['port']}"
        seen = [_ask(f"{gateway['url']}{path}", {"Host": host, **extra}) for path, extra in REQUESTS]
        app_id = seen[0]["env"]["BLOCKLET_APP_ID"]
        return {"appDid": app_id, "host": host, "port": gateway["port"], "doc": dev.doc}, seen, ()
    finally:
        ended = dev.signal(2)
        assert ended[0] == 130, ended


# -- normalising -------------------------------------------------------------------------------------------------

def _placeholders(context: dict, env: dict) -> list[tuple[str, str]]:
    """Values that legitimately differ between the two runs -> their placeholder (longest first)."""
    pairs = [(context["appDid"], "{appDid}"), (context["host"], "{host}")]
    for key in ("BLOCKLET_APP_PID", "BLOCKLET_APP_PK"):
        if env.get(key):
            pairs.append((env[key], "{" + key + "}"))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _replace(value: str, pairs: list[tuple[str, str]]) -> str:
    for raw, placeholder in pairs:
        value = value.replace(raw, placeholder)
    return value


DECLARED = ("PROBE_COLOR", "PIER_GREETING")  # the fixtures' own variables
PORT_VARS = {"BLOCKLET_PORT", "PORT", "ABT_NODE_PORT"}
# the server runs the installed app in production mode, `blocklet dev` in development mode (as the reference's
# `blocklet dev` does on a server): BLOCKLET_MODE differs by design, BLOCKLET_DEV_MOUNT_POINT is set in dev only
MODE = ("production", "development")
DEV_ONLY = {"BLOCKLET_DEV_MOUNT_POINT": "/probe"}
HOP_BY_HOP = {"connection", "keep-alive"}  # the gateway keeps connections to components alive, the server not
LOOPBACK = re.compile(r"(?:::ffff:)?127\.0\.0\.1")  # the client's address as an IPv4 or a dual-stack socket sees it
PATH_VARS = re.compile(r"^BLOCKLET_(APP_DIR|DATA_DIR|LOG_DIR|CACHE_DIR|APP_DATA_DIR|APP_SHARE_DIR|SHARE_DIR)$")
URL_VARS = {"BLOCKLET_APP_URL", "ABT_NODE_URL"}


def normalise_env(env: dict, context: dict) -> dict:
    """The probe's BLOCKLET_* variables and the apps' declared ones, normalised (SERVER_ONLY ones left out)."""
    pairs = _placeholders(context, env)
    out: dict = {}
    for key, value in env.items():
        if not (key.startswith("BLOCKLET_") or key in DECLARED) or SERVER_ONLY.match(key):
            continue
        if key in PORT_VARS:
            out[key] = "{port}" if re.fullmatch(r"\d+", value) else f"not a port: {value!r}"
        elif PATH_VARS.match(key):
            out[key] = "{folder}" if value.startswith("/") else f"not an absolute folder: {value!r}"
        elif key in URL_VARS:
            out[key] = "{url}" if re.fullmatch(r"https?://[^/\s]+/?", value) else f"not a URL: {value!r}"
        elif key == "BLOCKLET_MODE":
            out[key] = "{mode}" if value in MODE else f"not a mode: {value!r}"
        elif key == "BLOCKLET_MOUNT_POINTS":
            # in the order of the app's children on the server (install order), of the entries here: by mount point
            out[key] = sorted((_normalise_mount(entry, pairs) for entry in json.loads(value)),
                              key=lambda entry: str(entry.get("mountPoint")))
        else:
            out[key] = _replace(value, pairs)
    return out


def _normalise_mount(entry: dict, pairs) -> dict:
    entry = dict(entry)
    for key in ("port", "status"):
        if key in entry:
            entry[key] = "{int}" if isinstance(entry[key], int) else f"not an int: {entry[key]!r}"
    return {k: (_replace(v, pairs) if isinstance(v, str) else v) for k, v in entry.items()}


def normalise_request(seen: dict, context: dict) -> dict:
    pairs = _placeholders(context, seen["env"])
    headers = {}
    for key, value in seen["headers"].items():
        if key in HOP_BY_HOP:
            continue
        if key == "x-routing-rule-id":
            value = "{ruleId}" if re.fullmatch(r"[\w-]+", value) else f"not an id: {value!r}"
        elif key == "x-forwarded-for":
            value = LOOPBACK.sub("{loopback}", value)
        elif key == "x-forwarded-port":
            value = re.sub(rf"\b{context['port']}\b", "{port}", value)
        else:
            value = _replace(value, pairs)
        headers[key] = value
    return {"method": seen["method"], "url": seen["url"], "headers": headers}


def test_probe_sees_the_same_behind_the_server_and_behind_the_dev_gateway(e2e, store, parent) -> None:
    _root, store_url = store
    server_context, server_seen = observe_server(e2e, store_url)
    dev_context, dev_seen, _ = observe_dev(parent)
    dump = cache_dir() / DUMP
    dump.write_text(json.dumps({"server": [server_context, server_seen], "dev": [dev_context, dev_seen]},
                               indent=2, default=str) + "\n")
    for (path, _extra), on_server, in_dev in zip(REQUESTS, server_seen, dev_seen, strict=True):
        expected = normalise_request(on_server, server_context)
        got = normalise_request(in_dev, dev_context)
        assert got == expected, f"{path}: the request the probe saw differs (raw: {dump})"
    expected_env = normalise_env(server_seen[0]["env"], server_context)
    got_env = normalise_env(dev_seen[0]["env"], dev_context)
    assert server_seen[0]["env"]["BLOCKLET_MODE"] == "production"
    assert dev_seen[0]["env"]["BLOCKLET_MODE"] == "development"
    for key, value in DEV_ONLY.items():
        assert key not in expected_env and got_env.pop(key) == value
    assert got_env == expected_env, f"the probe's environment differs (raw: {dump})"
